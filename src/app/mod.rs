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
mod on_key;
mod on_presenter;
mod on_source;
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
    /// Which scaler's queue the console shows (names the queue's health in the header).
    pub scaler: kedatui_core::queue::Scaler,
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
            scaler: Default::default(),
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
    Queue,
    Cluster,
}

impl From<SourceKind> for SourceKindKey {
    fn from(k: SourceKind) -> Self {
        match k {
            SourceKind::Simulator => SourceKindKey::Simulator,
            SourceKind::Queue => SourceKindKey::Queue,
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
