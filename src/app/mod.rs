//! The console's state and `update`: the one owner of everything the screen shows.
//!
//! `update` is pure: it applies one [`Event`] and answers with the [`Command`]s the sources must
//! carry out. It never reads a clock (time only arrives in `Event::Tick` and in the sources'
//! timestamps) and never does I/O, so every key and event is unit-tested without a terminal.

pub mod fallback;
pub mod faults;
pub mod history;
pub mod keymap;
pub mod layout;
pub mod rates;
pub mod stale;
pub mod summary;

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind};
use jiff::{SignedDuration, Timestamp};

use crate::event::{
    ClusterResource, Command, Event, Health, PurgeProgress, SendProgress, SourceEvent, SourceKind,
    WorldCommand,
};
use crate::format;
use crate::parse::parse_burst_size;
use crate::presenter::{KeyEcho, PresenterCommand, PresenterEvent, PresenterState, ReplayControl};
use history::{History, Marker, MarkerKind};
use kedatui_core::model::{
    ClusterEvent, DeploymentView, HpaView, PodView, QueueSample, ScaledObjectView, names,
};
use keymap::{Action, Binding, KeyContext, KeyMapState, ReplayStatusKeys};
use rates::{RateTracker, Rates};
pub use summary::Summary;

/// Burst sizes of keys `1`–`5` unless `--bursts` says otherwise.
pub const DEFAULT_BURSTS: [u64; 5] = [10, 100, 500, 1000, 5000];
pub use crate::event::TRICKLE_BURST;
/// How many cluster events are kept for the events panel.
pub const EVENTS_KEPT: usize = 500;
/// How many of the newest event rows a repeated event may fold into.
const FOLD_LOOKBACK: usize = 4;
/// How long (in wall-clock terms) a new pod row flashes.
pub const FLASH: SignedDuration = SignedDuration::from_millis(1500);
/// How long (in wall-clock terms) a notice holds the key bar before the keys come back.
pub const NOTICE_TTL: SignedDuration = SignedDuration::from_secs(8);
/// Identical events fold at any distance in time (kubectl's count); one-per-pod events of one
/// reason only within this much of each other.
const POD_FOLD_WINDOW: SignedDuration = SignedDuration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Simulator,
    Live,
}

/// What the console starts with (from the command line). Recordings keep it as is (a setting
/// missing from an older recording takes its default).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AppConfig {
    pub mode: Mode,
    pub bursts: Vec<u64>,
    pub trickle_per_second: f64,
    pub warp: f64,
    pub namespace: String,
    pub queue: String,
    pub scaled_object: String,
    pub deployment: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            mode: Mode::Simulator,
            bursts: DEFAULT_BURSTS.to_vec(),
            trickle_per_second: 5.0,
            warp: 1.0,
            namespace: names::NAMESPACE.into(),
            queue: names::QUEUE.into(),
            scaled_object: names::SCALED_OBJECT.into(),
            deployment: names::DEPLOYMENT.into(),
        }
    }
}

/// What keys currently do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InputMode {
    #[default]
    Normal,
    /// `b`: typing a burst size.
    BurstPrompt {
        input: String,
        error: Option<String>,
    },
    /// `p`: waiting for y/n.
    ConfirmPurge,
    /// `s` while every live source is healthy: waiting for y/n, so a stray press on stage
    /// does not leave live mode.
    ConfirmFallback,
    /// `q` while something is going on: waiting for y/n.
    ConfirmQuit,
}

/// One row of the pod table, with when the console first saw it (for the flash).
#[derive(Clone, Debug, PartialEq)]
pub struct PodRow {
    pub pod: PodView,
    pub first_seen: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
}

/// A one-line message in the key bar area, until the next key press or [`NOTICE_TTL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct App {
    pub config: AppConfig,
    pub now: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub warp: f64,
    /// The queue: its counts, rates, chart history, purge and trickle.
    pub queue: QueueState,
    /// The bursts: in progress, finished, and their tallies.
    pub sends: SendState,
    /// What the cluster (or the simulator's) reports: pods, Deployment, ScaledObject, HPA, events.
    pub cluster: ClusterState,
    /// What the speaker is typing or being asked, and the notice line.
    pub prompt: PromptState,
    /// The terminal's size, from resize events (the loop sends one at start).
    pub screen: Option<(u16, u16)>,
    pub health: BTreeMap<SourceKindKey, Health>,
    /// Theme, big numbers, key echo, replay position.
    pub presenter: PresenterState,
    /// True while a recorded event is applied during a replay (its keys act as they did then).
    applying_recording: bool,
    /// The config the App started with (the Wi-Fi fallback changes `config.mode`); seeking
    /// back in a replay starts again from it.
    start_config: AppConfig,
    should_quit: bool,
    needs_redraw: bool,
    stats: RunStats,
    /// Set by `s` in live mode; the loop takes it and starts the simulator.
    fallback: Option<fallback::FallbackSeed>,
    /// The simulator carries on from live numbers: the header says so.
    pub from_live: bool,
    /// Keyless live mode: who signs in with Entra ID (never the token), for the header.
    pub sign_in: Option<String>,
    /// Live mode against `kedatui --lab`: the header says `LIVE (lab)`.
    pub lab: bool,
    /// `--lab --kubeconfig`: the API server is yours, so the lab's API server faults (`E`, `A`)
    /// have nothing to act on and their keys are left out.
    pub lab_external_api: bool,
}

/// The queue as the console knows it.
#[derive(Clone, Debug, Default)]
pub struct QueueState {
    /// The newest counts.
    pub sample: Option<QueueSample>,
    pub rates: RateTracker,
    pub history: History,
    /// The chart shows the window ending here while frozen.
    pub frozen_at: Option<Timestamp>,
    /// The queue counts stopped arriving when Service Bus went down or began reconnecting:
    /// rates read "—" until the next sample.
    pub stale: bool,
    /// A Service Bus outage began since the last queue sample.
    outage_since_sample: bool,
    pub purge: Option<PurgeProgress>,
    purge_seen: u64,
    pub consumers_paused: bool,
    pub trickle: Option<f64>,
}

/// The bursts the speaker fired.
#[derive(Clone, Debug)]
pub struct SendState {
    /// Bursts still being sent, by id.
    pub active: BTreeMap<u64, SendProgress>,
    /// The last finished burst.
    pub last: Option<SendProgress>,
    sent_by_burst: HashMap<u64, u64>,
    /// Failed and maybe-resent counts per burst, for the exit summary.
    tally: faults::SendTally,
    /// When each burst in progress started (its first progress report).
    started: HashMap<u64, Timestamp>,
    /// How long the last finished burst took to send, first report to last.
    pub last_took: Option<SignedDuration>,
    next_id: u64,
}

impl Default for SendState {
    fn default() -> Self {
        SendState {
            active: BTreeMap::new(),
            last: None,
            sent_by_burst: HashMap::new(),
            tally: Default::default(),
            started: HashMap::new(),
            last_took: None,
            next_id: 1,
        }
    }
}

/// The cluster's objects as last reported.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    pub pods: Vec<PodRow>,
    pub pod_scroll: usize,
    pub deployment: Option<DeploymentView>,
    pub scaled_object: Option<ScaledObjectView>,
    pub hpa: Option<HpaView>,
    /// Newest first.
    pub events: std::collections::VecDeque<ClusterEvent>,
    /// Each watched cluster resource's own health (live mode).
    pub resource_health: BTreeMap<ClusterResource, Health>,
    /// The last moment (App clock) the cluster's health was `ok`: how old its objects are
    /// once it is not (`stale::Freshness`).
    ok_until: Option<Timestamp>,
}

/// The speaker's side of the keyboard: prompt, help overlay, notice.
#[derive(Clone, Debug, Default)]
pub struct PromptState {
    pub input: InputMode,
    pub show_help: bool,
    pub notice: Option<Notice>,
    /// When the current notice appeared (App clock), so it can expire.
    notice_at: Option<Timestamp>,
}

/// `SourceKind` with an order, for a stable header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKindKey {
    Simulator,
    ServiceBus,
    Cluster,
}

impl From<SourceKind> for SourceKindKey {
    fn from(k: SourceKind) -> Self {
        match k {
            SourceKind::Simulator => SourceKindKey::Simulator,
            SourceKind::ServiceBus => SourceKindKey::ServiceBus,
            SourceKind::Cluster => SourceKindKey::Cluster,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct RunStats {
    bursts_fired: u64,
    peak_replicas: u32,
    peak_depth: u64,
    /// The first message sent while KEDA was inactive: the one its next activation answers.
    pending_trigger: Option<Timestamp>,
    /// That message, for KEDA's first activation.
    first_trigger_at: Option<Timestamp>,
    first_ready_after: Option<SignedDuration>,
    /// When the queue last went from empty to non-empty.
    queue_busy_since: Option<Timestamp>,
    last_drain: Option<SignedDuration>,
    /// How the queue last became empty (a drain, or a reset across an outage).
    last_emptied: Option<faults::Emptied>,
}

impl App {
    pub fn new(config: AppConfig) -> Self {
        App {
            warp: config.warp,
            start_config: config.clone(),
            config,
            now: None,
            started_at: None,
            queue: QueueState::default(),
            sends: SendState::default(),
            cluster: ClusterState::default(),
            prompt: PromptState::default(),
            screen: None,
            health: BTreeMap::new(),
            presenter: PresenterState::default(),
            applying_recording: false,
            should_quit: false,
            needs_redraw: true,
            stats: RunStats::default(),
            fallback: None,
            from_live: false,
            sign_in: None,
            lab: false,
            lab_external_api: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// True once after anything visible changed; the loop redraws only then.
    pub fn take_redraw(&mut self) -> bool {
        std::mem::take(&mut self.needs_redraw)
    }

    /// Whether the speaker is watching a replay (and not applying one of its recorded keys).
    pub fn is_replay(&self) -> bool {
        self.presenter.replay.is_some()
    }

    fn replay_controls(&self) -> Option<ReplayStatusKeys> {
        match (&self.presenter.replay, self.applying_recording) {
            (Some(r), false) => Some(ReplayStatusKeys {
                paused: r.paused,
                speed: r.speed,
            }),
            _ => None,
        }
    }

    pub fn is_simulator(&self) -> bool {
        self.config.mode == Mode::Simulator
    }

    pub fn key_context(&self) -> KeyContext {
        match (&self.prompt.input, self.prompt.show_help) {
            (InputMode::BurstPrompt { .. }, _) => KeyContext::BurstPrompt,
            (InputMode::ConfirmPurge, _) => KeyContext::ConfirmPurge,
            (InputMode::ConfirmFallback, _) => KeyContext::ConfirmFallback,
            (InputMode::ConfirmQuit, _) => KeyContext::ConfirmQuit,
            (InputMode::Normal, true) => KeyContext::Help,
            (InputMode::Normal, false) => KeyContext::Normal,
        }
    }

    pub fn trickle_label(&self) -> String {
        format!(
            "{}/s",
            keymap::format_factor(self.config.trickle_per_second)
        )
    }

    /// The active key map (drives the key bar, the help overlay and key dispatch).
    pub fn bindings(&self, context: KeyContext) -> Vec<Binding> {
        let label = self.trickle_label();
        keymap::bindings(context, &self.keymap_state(&label))
    }

    fn keymap_state<'a>(&'a self, trickle_label: &'a str) -> KeyMapState<'a> {
        KeyMapState {
            bursts: &self.config.bursts,
            simulator: self.is_simulator(),
            trickle_on: self.queue.trickle.is_some(),
            trickle_label,
            consumers_paused: self.queue.consumers_paused,
            frozen: self.queue.frozen_at.is_some(),
            warp: self.warp,
            replay: self.replay_controls(),
            lab: self.lab,
            lab_api_faults: !self.lab_external_api,
        }
    }

    /// Whether `q` should ask first: a burst or purge in progress, the trickle on, pods, or
    /// messages in the queue. A replay has nothing in flight to lose, so it never asks.
    pub fn busy(&self) -> bool {
        if self.is_replay() && !self.applying_recording {
            return false;
        }
        !self.sends.active.is_empty()
            || self.queue.trickle.is_some()
            || self.queue.purge.as_ref().is_some_and(|p| !p.done)
            || !self.cluster.pods.is_empty()
            || self.depth() > 0
    }

    /// Messages in the queue that are not finished: active + in flight.
    pub fn depth(&self) -> u64 {
        self.queue
            .sample
            .as_ref()
            .map_or(0, |q| q.counts.active + q.counts.in_flight.unwrap_or(0))
    }

    /// `ActiveMessageCount`: what KEDA and the HPA see.
    pub fn depth_active(&self) -> u64 {
        self.queue.sample.as_ref().map_or(0, |q| q.counts.active)
    }

    pub fn deployment_spec(&self) -> Option<u32> {
        self.cluster.deployment.as_ref().map(|d| d.spec_replicas)
    }

    pub fn peak_depth(&self) -> u64 {
        self.stats.peak_depth
    }

    pub fn rates(&self) -> Rates {
        let mut rates = self.queue.rates.rates(self.depth());
        // A burst still going out is sent at a rate (a 1 M burst takes seconds); a finished one
        // is shown as a count and a duration instead.
        if let (false, Some(now)) = (self.sends.active.is_empty(), self.now) {
            rates.send_per_second += self.queue.rates.burst_rate(now);
            rates.time_to_empty =
                rates::time_to_empty(self.depth(), rates.send_per_second, rates.drain_per_second);
        }
        rates
    }

    pub fn summary(&self) -> Summary {
        Summary {
            mode: self.config.mode,
            from_live: self.from_live,
            bursts: self.stats.bursts_fired,
            messages_sent: self.queue.rates.sent_total(),
            peak_replicas: self.stats.peak_replicas,
            peak_depth: self.stats.peak_depth,
            first_ready_after_activation: self.stats.first_ready_after,
            last_drain: self.stats.last_drain,
            queue_reset: matches!(self.stats.last_emptied, Some(faults::Emptied::Reset { .. })),
            failures: (self.config.mode == Mode::Live || self.from_live)
                .then(|| (self.sends.tally.failed(), self.sends.tally.maybe_resent())),
            still_queued: self.depth(),
            ran_for: match (self.started_at, self.now) {
                (Some(a), Some(b)) => Some(b.duration_since(a)),
                _ => None,
            },
        }
    }

    /// Apply one event; return what the sources should do.
    pub fn update(&mut self, event: Event) -> Vec<Command> {
        let notice_before = self.prompt.notice.clone();
        let commands = self.apply(event);
        if self.prompt.notice != notice_before {
            self.prompt.notice_at = self.now;
        }
        commands
    }

    fn apply(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Tick { now } => {
                self.on_tick(now);
                Vec::new()
            }
            Event::Source(source) => {
                // A queue sample arrives every frame; redraw only when the counts moved
                // (the once-a-second tick redraw covers the sliding rates).
                let unchanged = matches!((&source, &self.queue.sample),
                    (SourceEvent::Queue(new), Some(old)) if new.counts == old.counts);
                self.on_source(source);
                if !unchanged {
                    self.needs_redraw = true;
                }
                Vec::new()
            }
            Event::Input(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => {
                self.needs_redraw = true;
                self.on_key(key)
            }
            Event::Input(TermEvent::Paste(text)) => {
                if matches!(self.prompt.input, InputMode::BurstPrompt { .. }) {
                    self.paste_into_prompt(&text);
                    self.needs_redraw = true;
                }
                Vec::new()
            }
            Event::Input(TermEvent::Resize(width, height)) => {
                self.screen = Some((width, height));
                self.needs_redraw = true;
                Vec::new()
            }
            Event::Input(_) => Vec::new(),
            Event::Presenter(event) => {
                self.needs_redraw = true;
                self.on_presenter(event);
                Vec::new()
            }
        }
    }

    fn on_presenter(&mut self, event: PresenterEvent) {
        match event {
            PresenterEvent::ReplayStatus(status) => self.presenter.replay = Some(status),
            PresenterEvent::ReplayReset => {
                // Seeking back: the state at the new position is rebuilt from the start.
                let mut fresh = App::new(self.start_config.clone());
                fresh.presenter = self.presenter.clone();
                fresh.presenter.echo = None;
                fresh.screen = self.screen;
                *self = fresh;
            }
            PresenterEvent::Replayed(event) => match *event {
                // The replay's own terminal decides the layout; nested control events never
                // appear in a valid recording.
                Event::Input(TermEvent::Resize(..)) | Event::Presenter(_) => {}
                event => {
                    let quit = self.should_quit;
                    self.applying_recording = true;
                    // What was sent then is not sent again: the commands go nowhere.
                    let _ = self.update(event);
                    self.applying_recording = false;
                    // The recorded `q` ends the recording, not the replay.
                    self.should_quit = quit;
                }
            },
            PresenterEvent::SnapshotSaved { text, svg } => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Info,
                    text: format!("screen saved: {} and {}", text.display(), svg.display()),
                });
            }
            PresenterEvent::SnapshotFailed(err) => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!("snapshot failed: {err}"),
                });
            }
            PresenterEvent::RecordingFailed(err) => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!("recording stopped, a write failed: {err}; the demo goes on"),
                });
            }
            PresenterEvent::ReplayCutShort { line } => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!(
                        "the recording was cut off at line {line}: playing the events before it"
                    ),
                });
            }
        }
    }

    fn on_tick(&mut self, now: Timestamp) {
        let previous = self.now.replace(now);
        self.started_at.get_or_insert(now);
        self.note_cluster_tick(now);
        self.queue.history.advance(now);
        let second_changed = previous.is_none_or(|p| p.as_second() != now.as_second());
        let flashing = self
            .cluster
            .pods
            .iter()
            .any(|p| self.flash_active_at(p, now))
            || previous
                .is_some_and(|p| self.cluster.pods.iter().any(|r| self.flash_active_at(r, p)));
        let echo_faded = self.presenter.echo_at(previous, self.warp).is_some()
            && self.presenter.echo_at(Some(now), self.warp).is_none();
        if second_changed || flashing || echo_faded {
            self.needs_redraw = true;
        }
        self.expire_notice(now);
        self.check_first_ready();
    }

    /// A notice gives the key bar back after NOTICE_TTL of wall time (stretched by the warp, like
    /// the flash); one set outside `update` starts its time at the next tick.
    fn expire_notice(&mut self, now: Timestamp) {
        if self.prompt.notice.is_none() {
            return;
        }
        let since = *self.prompt.notice_at.get_or_insert(now);
        let ttl = SignedDuration::from_secs_f64(NOTICE_TTL.as_secs_f64() * self.warp.max(0.01));
        if now.duration_since(since) >= ttl {
            self.prompt.notice = None;
            self.prompt.notice_at = None;
            self.needs_redraw = true;
        }
    }

    /// Virtual time a flash lasts: FLASH of wall time, stretched by the warp.
    fn flash_span(&self) -> SignedDuration {
        SignedDuration::from_secs_f64(FLASH.as_secs_f64() * self.warp.max(1.0))
    }

    fn flash_active_at(&self, row: &PodRow, at: Timestamp) -> bool {
        at >= row.first_seen && at.duration_since(row.first_seen) < self.flash_span()
    }

    /// Whether this pod row is flashing now (new rows flash, k9s-style).
    pub fn is_flashing(&self, row: &PodRow) -> bool {
        self.now.is_some_and(|now| self.flash_active_at(row, now))
    }

    fn on_source(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Warp(w) => self.warp = w,
            SourceEvent::Queue(sample) => {
                let c = &sample.counts;
                let depth = c.active + c.in_flight.unwrap_or(0);
                // The drain rate up to now, before this sample can move it.
                let drain_before = self.rates().drain_per_second;
                self.queue
                    .rates
                    .record_queue(sample.at, depth + c.dead_letter);
                self.queue.history.set_depth(depth);
                self.stats.peak_depth = self.stats.peak_depth.max(depth);
                let outage = std::mem::take(&mut self.queue.outage_since_sample);
                self.queue.stale = false;
                match (depth, self.stats.queue_busy_since) {
                    (0, Some(since)) => {
                        let prev = self.queue.sample.as_ref().map(|q| {
                            let d = q.counts.active + q.counts.in_flight.unwrap_or(0);
                            (d, q.at)
                        });
                        let reset = match prev {
                            Some((d, at)) if outage && d > 0 => {
                                faults::vanished_in_outage(d, at, drain_before, sample.at)
                                    .then_some(d)
                            }
                            _ => None,
                        };
                        let drained = sample.at.duration_since(since);
                        self.stats.last_emptied = Some(match reset {
                            Some(depth) => faults::Emptied::Reset { depth },
                            None => faults::Emptied::Drained(drained),
                        });
                        self.stats.last_drain = Some(drained);
                        self.stats.queue_busy_since = None;
                    }
                    (1.., None) => self.stats.queue_busy_since = Some(sample.at),
                    _ => {}
                }
                // Messages that left without activating KEDA did not cause a later activation.
                if depth == 0
                    && !self.keda_active()
                    && self.stats.pending_trigger.is_some_and(|t| sample.at > t)
                {
                    self.stats.pending_trigger = None;
                }
                self.queue.sample = Some(sample);
            }
            SourceEvent::Pods(pods) => self.on_pods(pods),
            SourceEvent::Deployment(d) => {
                self.stats.peak_replicas = self.stats.peak_replicas.max(d.spec_replicas);
                self.queue
                    .history
                    .set_replicas(d.spec_replicas, d.ready_replicas);
                self.cluster.deployment = Some(d);
            }
            SourceEvent::ScaledObject(so) => {
                let active = so
                    .conditions
                    .iter()
                    .any(|c| c.type_ == "Active" && c.status == "True");
                // Active when first seen: KEDA activated before this run (a rehearsal's
                // cooldown), so it answers no message of ours.
                let activated =
                    active && self.cluster.scaled_object.is_some() && !self.keda_active();
                self.cluster.scaled_object = Some(*so);
                if activated {
                    let at = self.now;
                    self.on_keda_activated(at);
                }
            }
            SourceEvent::Hpa(hpa) => self.cluster.hpa = hpa.map(|h| *h),
            SourceEvent::ClusterEvent(e) => self.on_cluster_event(e),
            SourceEvent::Send(progress) => self.on_send(progress),
            SourceEvent::Purge(progress) => {
                let delta = progress.removed.saturating_sub(self.queue.purge_seen);
                self.queue.rates.record_purged(delta);
                self.queue.purge_seen = if progress.done { 0 } else { progress.removed };
                if let Some(err) = &progress.error {
                    self.prompt.notice = Some(Notice {
                        level: NoticeLevel::Warning,
                        text: format!("purge failed: {err}"),
                    });
                }
                self.queue.purge = Some(progress);
            }
            SourceEvent::ConsumersPaused(p) => self.queue.consumers_paused = p,
            SourceEvent::Trickle(t) => self.queue.trickle = t,
            SourceEvent::Health { source, health } => {
                if source == SourceKind::ServiceBus && !matches!(health, Health::Connected) {
                    self.queue.stale = true;
                    self.queue.outage_since_sample = true;
                }
                if source == SourceKind::Cluster {
                    self.note_cluster_health(&health);
                }
                self.health.insert(source.into(), health);
            }
            SourceEvent::ResourceHealth { resource, health } => {
                self.cluster.resource_health.insert(resource, health);
            }
        }
    }

    /// Why the events panel has nothing to show, when the Events API cannot be read:
    /// `forbidden` (RBAC), `not served` (an API server without it), or the reason.
    pub fn events_unavailable(&self) -> Option<String> {
        use crate::event::ErrorKind;
        match self.cluster.resource_health.get(&ClusterResource::Events)? {
            Health::Down(err) => Some(match &err.kind {
                ErrorKind::Forbidden { .. } => "forbidden".into(),
                ErrorKind::NotFound => "not served".into(),
                ErrorKind::Unauthorized => "unauthorized".into(),
                _ => err.message.clone(),
            }),
            _ => None,
        }
    }

    fn on_pods(&mut self, pods: Vec<PodView>) {
        let now = self
            .now
            .unwrap_or_else(|| pods.iter().map(|p| p.created).max().unwrap_or_default());
        let seen: HashMap<&str, Timestamp> = self
            .cluster
            .pods
            .iter()
            .map(|r| (r.pod.name.as_str(), r.first_seen))
            .collect();
        let mut rows: Vec<PodRow> = pods
            .into_iter()
            .map(|pod| {
                let first_seen = seen.get(pod.name.as_str()).copied().unwrap_or(now);
                PodRow { pod, first_seen }
            })
            .collect();
        // Newest first, so scale-out appears at the top where the audience looks.
        rows.sort_by(|a, b| {
            b.pod
                .created
                .cmp(&a.pod.created)
                .then_with(|| a.pod.name.cmp(&b.pod.name))
        });
        self.cluster.pods = rows;
        self.check_first_ready();
    }

    /// KEDA's Active condition as last reported.
    pub fn keda_active(&self) -> bool {
        self.cluster.scaled_object.as_ref().is_some_and(|so| {
            so.conditions
                .iter()
                .any(|c| c.type_ == "Active" && c.status == "True")
        })
    }

    /// KEDA activated (its event or its Active condition): the first time, the message that
    /// made it is what "first Ready pod" counts from.
    fn on_keda_activated(&mut self, at: Option<Timestamp>) {
        if self.stats.first_trigger_at.is_none() {
            self.stats.first_trigger_at = self.stats.pending_trigger.or(at);
        }
        self.stats.pending_trigger = None;
    }

    fn check_first_ready(&mut self) {
        if self.stats.first_ready_after.is_some() {
            return;
        }
        let (Some(trigger), Some(now)) = (self.stats.first_trigger_at, self.now) else {
            return;
        };
        // Pods that were Ready before the messages arrived did not answer them. A
        // creationTimestamp has whole seconds: a pod created 0.3 s after a message at x.7 s says
        // x.0 s, so compare at that resolution.
        let ready = self.cluster.pods.iter().any(|r| {
            r.pod.created.as_second() >= trigger.as_second()
                && !r.pod.deleting
                && r.pod.status == "Running"
                && r.pod.total_containers > 0
                && r.pod.ready_containers == r.pod.total_containers
        });
        if ready {
            self.stats.first_ready_after = Some(now.duration_since(trigger));
        }
    }

    fn on_cluster_event(&mut self, e: ClusterEvent) {
        let kind = match e.reason.as_str() {
            "KEDAScaleTargetActivated" => Some(MarkerKind::KedaActivated),
            "KEDAScaleTargetDeactivated" => Some(MarkerKind::KedaDeactivated),
            _ => None,
        };
        if let Some(kind) = kind {
            self.queue.history.mark(Marker { at: e.at, kind });
        }
        // Only an activation during this run: the first list brings KEDA's events of the last
        // hour (a rehearsal's). Event times have whole seconds, so compare at that resolution.
        let during_run = self
            .started_at
            .is_some_and(|start| e.at.as_second() >= start.as_second());
        if kind == Some(MarkerKind::KedaActivated) && during_run {
            self.on_keda_activated(Some(e.at));
        }
        // Fold as kubectl counts: the same reason, object and message is one row with `×N`.
        // Events that differ only by which pod (one per pod: Scheduled, Started,
        // SuccessfulCreate, …) fold too while they come within a second, so a scale-out does not
        // push KEDA's and the HPA's off the panel; they come interleaved (SuccessfulDelete,
        // Killing, SuccessfulDelete, …), so look a few rows back.
        if let Some(row) = self
            .cluster
            .events
            .iter_mut()
            .take(FOLD_LOOKBACK)
            .find(|row| {
                let same_kind =
                    row.reason == e.reason && row.type_ == e.type_ && row.source == e.source;
                let identical = row.object == e.object && row.message == e.message;
                let per_pod = per_pod_event(row)
                    && per_pod_event(&e)
                    && e.at.duration_since(row.at).abs() <= POD_FOLD_WINDOW;
                same_kind && (identical || per_pod)
            })
        {
            row.count += e.count.max(1);
            row.at = row.at.max(e.at);
            row.message = e.message;
            row.object = e.object;
            return;
        }
        self.cluster.events.push_front(e);
        self.cluster.events.truncate(EVENTS_KEPT);
    }

    fn on_send(&mut self, progress: SendProgress) {
        self.sends.tally.record(&progress);
        let before = self
            .sends
            .sent_by_burst
            .insert(progress.burst, progress.sent)
            .unwrap_or(0);
        let delta = progress.sent.saturating_sub(before);
        self.queue.rates.record_sent(progress.at, delta);
        if delta > 0 && !self.keda_active() {
            self.stats.pending_trigger.get_or_insert(progress.at);
        }
        if progress.burst == TRICKLE_BURST {
            return;
        }
        self.queue.rates.record_burst(progress.at, delta);
        let started = *self
            .sends
            .started
            .entry(progress.burst)
            .or_insert(progress.at);
        if let Some(err) = &progress.error {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: format!("burst #{} failed: {err}", progress.burst),
            });
        }
        if progress.done || progress.cancelled {
            self.sends.active.remove(&progress.burst);
            self.sends.started.remove(&progress.burst);
            self.sends.last_took = Some(progress.at.duration_since(started));
            self.sends.last = Some(progress);
        } else {
            self.sends.active.insert(progress.burst, progress);
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let label = self.trickle_label();
        let context = self.key_context();
        let action = keymap::action_for(&key, context, &self.keymap_state(&label));
        if context == KeyContext::BurstPrompt && action.is_none() {
            self.edit_prompt(key.code);
            return Vec::new();
        }
        let Some(action) = action else {
            return Vec::new();
        };
        if action == Action::Redraw {
            // Only the terminal changes: the notice, prompt and echo stay as they were.
            return vec![Command::Presenter(PresenterCommand::Redraw)];
        }
        self.prompt.notice = None;
        let echo_key = keymap::key_name(key.code);
        if context == KeyContext::Normal
            && self.replay_controls().is_some()
            && keymap::changes_the_world(action)
        {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: "disabled in replay: a recording plays back what happened, nothing is sent"
                    .into(),
            });
            self.echo(echo_key, "disabled in replay".into());
            return Vec::new();
        }
        let commands = self.on_key_action(context, action);
        if let Some(what) = self.describe(context, action, &commands) {
            self.echo(echo_key, what);
        }
        commands
    }

    fn echo(&mut self, key: String, what: String) {
        self.presenter.echo = Some(KeyEcho {
            key,
            what,
            at: self.now,
        });
    }

    /// What a key did, for the key echo (`None`: not worth echoing, e.g. scrolling).
    fn describe(
        &self,
        context: KeyContext,
        action: Action,
        commands: &[Command],
    ) -> Option<String> {
        use format::group_thousands;
        let first = commands.first();
        Some(match (context, action, first) {
            (_, _, Some(Command::World(WorldCommand::Burst { count, .. }))) => {
                format!("burst of {}", group_thousands(*count))
            }
            (_, _, Some(Command::World(WorldCommand::SetTrickle(Some(r))))) => {
                format!("trickle {}/s", keymap::format_factor(*r))
            }
            (_, _, Some(Command::World(WorldCommand::SetTrickle(None)))) => "trickle off".into(),
            (_, _, Some(Command::World(WorldCommand::SetConsumersPaused(true)))) => {
                "consumers paused".into()
            }
            (_, _, Some(Command::World(WorldCommand::SetConsumersPaused(false)))) => {
                "consumers resumed".into()
            }
            (_, _, Some(Command::World(WorldCommand::SetWarp(w)))) => {
                format!("warp ×{}", keymap::format_factor(*w))
            }
            (_, _, Some(Command::World(WorldCommand::Purge))) => "purge".into(),
            (_, _, Some(Command::LabFault(f))) => f.label().into(),
            // Not echoed: the echo would end up on the slide.
            (_, _, Some(Command::Presenter(PresenterCommand::Snapshot))) => return None,
            (_, _, Some(Command::Presenter(PresenterCommand::Replay(c)))) => match c {
                ReplayControl::TogglePause => "pause/resume replay".into(),
                ReplayControl::Seek(s) if *s < 0 => format!("back {}s", -s),
                ReplayControl::Seek(s) => format!("forward {s}s"),
                ReplayControl::Faster => "replay faster".into(),
                ReplayControl::Slower => "replay slower".into(),
            },
            (KeyContext::Normal, Action::CustomBurst, _) => "custom burst size?".into(),
            (KeyContext::Normal, Action::Purge, _) => "purge? (y/n)".into(),
            (KeyContext::Normal, Action::FreezeChart, _) => if self.queue.frozen_at.is_some() {
                "chart frozen"
            } else {
                "chart live"
            }
            .into(),
            (KeyContext::Normal, Action::SwitchToSimulator, _)
                if self.prompt.input == InputMode::ConfirmFallback =>
            {
                "simulator? (y/n)".into()
            }
            (KeyContext::Normal, Action::SwitchToSimulator, _)
            | (KeyContext::ConfirmFallback, Action::Confirm, _)
                if self.from_live =>
            {
                "switched to the simulator".into()
            }
            (KeyContext::Normal | KeyContext::Help, Action::Quit, _)
                if self.prompt.input == InputMode::ConfirmQuit =>
            {
                "quit? (y/n)".into()
            }
            (KeyContext::Normal, Action::ToggleHelp, _) => "help".into(),
            (KeyContext::Help, Action::ToggleHelp, _) => "help closed".into(),
            (_, Action::Cancel, _) => "cancelled".into(),
            _ => return None,
        })
    }

    fn on_key_action(&mut self, context: KeyContext, action: Action) -> Vec<Command> {
        match (context, action) {
            (_, Action::QuitNow) | (KeyContext::ConfirmQuit, Action::Confirm | Action::Quit) => {
                // Back to normal: a replay applies the recorded `q`, `y` and carries on.
                self.prompt.input = InputMode::Normal;
                self.should_quit = true;
                Vec::new()
            }
            (_, Action::Quit) => {
                if self.busy() {
                    self.prompt.show_help = false;
                    self.prompt.input = InputMode::ConfirmQuit;
                } else {
                    self.should_quit = true;
                }
                Vec::new()
            }
            (KeyContext::Help, Action::ToggleHelp) => {
                self.prompt.show_help = false;
                Vec::new()
            }
            (KeyContext::BurstPrompt, Action::Confirm) => {
                let InputMode::BurstPrompt { input, .. } = &self.prompt.input else {
                    return Vec::new();
                };
                match parse_burst_size(input) {
                    Ok(count) => {
                        self.prompt.input = InputMode::Normal;
                        vec![self.fire(count)]
                    }
                    Err(msg) => {
                        self.prompt.input = InputMode::BurstPrompt {
                            input: input.clone(),
                            error: Some(msg),
                        };
                        Vec::new()
                    }
                }
            }
            (KeyContext::ConfirmPurge, Action::Confirm) => {
                self.prompt.input = InputMode::Normal;
                self.queue.purge_seen = 0;
                vec![Command::World(WorldCommand::Purge)]
            }
            (KeyContext::ConfirmFallback, Action::Confirm) => {
                self.prompt.input = InputMode::Normal;
                self.switch_to_simulator();
                Vec::new()
            }
            (
                KeyContext::BurstPrompt
                | KeyContext::ConfirmPurge
                | KeyContext::ConfirmFallback
                | KeyContext::ConfirmQuit,
                Action::Cancel,
            ) => {
                self.prompt.input = InputMode::Normal;
                Vec::new()
            }
            (KeyContext::Normal, action) => self.on_action(action),
            _ => Vec::new(),
        }
    }

    fn edit_prompt(&mut self, code: KeyCode) {
        let InputMode::BurstPrompt { input, error } = &mut self.prompt.input else {
            return;
        };
        match code {
            KeyCode::Backspace => {
                input.pop();
                *error = None;
            }
            // Anything but a digit, `_` or a k/m suffix is dropped, not shown: a stray
            // keystroke (or a key typed by mistake) never reaches the projector.
            KeyCode::Char(c) => match prompt_push(input, c) {
                Ok(()) => *error = None,
                Err(hint) => *error = Some(hint.into()),
            },
            _ => {}
        }
    }

    fn paste_into_prompt(&mut self, text: &str) {
        let InputMode::BurstPrompt { input, error } = &mut self.prompt.input else {
            return;
        };
        // All or nothing: a pasted connection string must not leave its digits behind.
        let mut edited = input.clone();
        let accepted = text
            .trim()
            .chars()
            .try_for_each(|c| prompt_push(&mut edited, c));
        match accepted {
            Ok(()) => {
                *input = edited;
                *error = None;
            }
            Err(_) => *error = Some(PASTE_DROPPED.into()),
        }
    }

    fn on_action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Burst(i) => match self.config.bursts.get(i) {
                Some(&count) => vec![self.fire(count)],
                None => Vec::new(),
            },
            Action::CustomBurst => {
                self.prompt.input = InputMode::BurstPrompt {
                    input: String::new(),
                    error: None,
                };
                Vec::new()
            }
            Action::ToggleTrickle => {
                let next = match self.queue.trickle {
                    Some(_) => None,
                    None => Some(self.config.trickle_per_second),
                };
                self.queue.trickle = next;
                vec![Command::World(WorldCommand::SetTrickle(next))]
            }
            Action::ToggleConsumers => {
                if !self.is_simulator() {
                    self.simulator_only("pausing consumers");
                    return Vec::new();
                }
                self.queue.consumers_paused = !self.queue.consumers_paused;
                vec![Command::World(WorldCommand::SetConsumersPaused(
                    self.queue.consumers_paused,
                ))]
            }
            Action::Purge => {
                self.prompt.input = InputMode::ConfirmPurge;
                Vec::new()
            }
            Action::WarpUp | Action::WarpDown => {
                if !self.is_simulator() {
                    self.simulator_only("time warp");
                    return Vec::new();
                }
                let next = if action == Action::WarpUp {
                    keymap::warp_up(self.warp)
                } else {
                    keymap::warp_down(self.warp)
                };
                if next == self.warp {
                    return Vec::new();
                }
                self.warp = next;
                vec![Command::World(WorldCommand::SetWarp(next))]
            }
            Action::FreezeChart => {
                self.queue.frozen_at = match self.queue.frozen_at {
                    Some(_) => None,
                    None => self.now,
                };
                Vec::new()
            }
            Action::ToggleHelp => {
                self.prompt.show_help = true;
                Vec::new()
            }
            Action::ScrollUp => self.scroll(-1),
            Action::ScrollDown => self.scroll(1),
            Action::PageUp => self.scroll(-(self.page_size() as isize)),
            Action::PageDown => self.scroll(self.page_size() as isize),
            Action::SwitchToSimulator => {
                if self.live_sources_healthy() {
                    self.prompt.input = InputMode::ConfirmFallback;
                } else {
                    self.switch_to_simulator();
                }
                Vec::new()
            }
            Action::Snapshot => vec![Command::Presenter(PresenterCommand::Snapshot)],
            Action::LabFault(fault) => vec![Command::LabFault(fault)],
            Action::ReplayPause => self.replay_command(ReplayControl::TogglePause),
            Action::ReplayFaster => self.replay_command(ReplayControl::Faster),
            Action::ReplaySlower => self.replay_command(ReplayControl::Slower),
            Action::SeekBack => {
                self.replay_command(ReplayControl::Seek(-crate::presenter::SEEK_STEP_SECS))
            }
            Action::SeekForward => {
                self.replay_command(ReplayControl::Seek(crate::presenter::SEEK_STEP_SECS))
            }
            Action::Redraw => vec![Command::Presenter(PresenterCommand::Redraw)],
            Action::Quit | Action::QuitNow | Action::Confirm | Action::Cancel => Vec::new(),
        }
    }

    fn replay_command(&self, control: ReplayControl) -> Vec<Command> {
        if self.replay_controls().is_none() {
            return Vec::new();
        }
        vec![Command::Presenter(PresenterCommand::Replay(control))]
    }

    /// Pod rows on screen, when the terminal size is known.
    fn pod_rows_visible(&self) -> Option<usize> {
        self.screen
            .map(|(w, h)| layout::pod_rows_visible(w, h, self.presenter.big))
    }

    fn page_size(&self) -> usize {
        self.pod_rows_visible().unwrap_or(10).max(1)
    }

    fn scroll(&mut self, by: isize) -> Vec<Command> {
        // Never scroll past the point where the last row is at the bottom, so ↑ acts at once.
        let visible = self.pod_rows_visible().unwrap_or(1).max(1);
        let max = self.cluster.pods.len().saturating_sub(visible);
        self.cluster.pod_scroll = self.cluster.pod_scroll.saturating_add_signed(by).min(max);
        Vec::new()
    }

    fn simulator_only(&mut self, what: &str) {
        self.prompt.notice = Some(Notice {
            level: NoticeLevel::Warning,
            text: format!("{what} is simulator-only; disabled in live mode"),
        });
    }

    fn fire(&mut self, count: u64) -> Command {
        let burst = self.sends.next_id;
        self.sends.next_id += 1;
        self.stats.bursts_fired += 1;
        if let Some(now) = self.now {
            self.queue.history.mark(Marker {
                at: now,
                kind: MarkerKind::Burst(count),
            });
        }
        Command::World(WorldCommand::Burst { burst, count })
    }
}

/// An event of which a scale-out brings one per pod: about a Pod, or a ReplicaSet's
/// `Created pod: …` / `Deleted pod: …`.
pub fn per_pod_event(e: &ClusterEvent) -> bool {
    e.object.starts_with("Pod/")
        || (e.object.starts_with("ReplicaSet/") && e.message.contains("pod: "))
}

/// The hint shown when a typed key is dropped from the burst prompt.
pub const PROMPT_HINT: &str = "digits only, e.g. 500, 10k, 1_000";
/// The hint shown when a paste is dropped from the burst prompt (never what was pasted).
pub const PASTE_DROPPED: &str = "paste dropped: digits only, e.g. 500, 10k";
/// The longest text the burst prompt holds.
const PROMPT_MAX_CHARS: usize = 12;

/// Add `c` to the burst prompt's text if it keeps it a size in the making: digits, `_`
/// separators, one `k`/`m` suffix at the end. Otherwise the text is unchanged and the error is a
/// short hint that never repeats the character.
pub fn prompt_push(input: &mut String, c: char) -> Result<(), &'static str> {
    let suffixed = input.ends_with(['k', 'K', 'm', 'M']);
    let ok = input.chars().count() < PROMPT_MAX_CHARS
        && !suffixed
        && match c {
            '0'..='9' | '_' => true,
            'k' | 'K' | 'm' | 'M' => input.chars().any(|d| d.is_ascii_digit()),
            _ => false,
        };
    if ok {
        input.push(c);
        Ok(())
    } else {
        Err(PROMPT_HINT)
    }
}

/// What a paste can add to the burst prompt, or `None` when it is not a size at all (then it is
/// dropped). The recorder keeps only such pastes, so a recording never holds a clipboard.
pub fn prompt_paste(text: &str) -> Option<String> {
    let mut out = String::new();
    text.trim()
        .chars()
        .try_for_each(|c| prompt_push(&mut out, c))
        .ok()
        .map(|()| out)
}

#[cfg(test)]
mod tests;
