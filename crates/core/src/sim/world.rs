//! The simulated world on a virtual clock: queue, receivers, pods, the Deployment, KEDA's scale
//! loop and the HPA (docs/keda-semantics.md §8). Pure and deterministic for a given seed.
//!
//! `step` is event-driven: it jumps from one due event to the next (KEDA poll, HPA sync, pod
//! transition, message completion, lock expiry, trickle send), so loops fire at their exact
//! times whatever `dt` is, and the cost follows what happens, not how many pods exist.
//! Events due at the same instant run in this order: messages, trickle, pods, HPA, KEDA.

use super::time::Nanos;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};

use jiff::{SignedDuration, Timestamp};

use super::config::SimConfig;
use super::keda::{self, ActiveCondition, KedaPoll};
use super::loops::{self, HpaLoop, KedaLoop};
use super::pods::{self, Pod, PodStage};
use super::queue::Queue;
use crate::event::{Health, SourceEvent, SourceKind};
use crate::model::{
    ClusterEvent, DeploymentView, HpaView, PodView, QueueCounts, QueueSample, ScaledObjectView,
};

/// A trickle is delivered in batches at most this often, like a batching sender.
const TRICKLE_BATCH: Nanos = Nanos::from_millis(100);
/// How long a pod that never started a container takes to disappear once deleted.
const SANDBOX_TEARDOWN: Nanos = Nanos::from_secs(1);
/// Recent events kept for `snapshot`.
const RECENT_EVENTS: usize = 200;
const NODES: u8 = 3;

/// What happened during one `step`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepOutcome {
    pub events: Vec<ClusterEvent>,
    pub pods_changed: bool,
    pub deployment_changed: bool,
    pub scaled_object_changed: bool,
    pub hpa_changed: bool,
}

impl StepOutcome {
    /// Folds a later outcome into this one (several `step`s reported as one).
    pub fn merge(&mut self, other: StepOutcome) {
        self.events.extend(other.events);
        self.pods_changed |= other.pods_changed;
        self.deployment_changed |= other.deployment_changed;
        self.scaled_object_changed |= other.scaled_object_changed;
        self.hpa_changed |= other.hpa_changed;
    }
}

/// Totals for summaries. Times are absolute; `None` means "not (yet) happened".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    pub sent: u64,
    pub completed: u64,
    pub purged: u64,
    pub dead_lettered: u64,
    pub peak_spec_replicas: u32,
    pub peak_ready_replicas: u32,
    pub first_send: Option<Timestamp>,
    pub first_ready: Option<Timestamp>,
    /// When the queue (active + in flight) last became empty; cleared by the next send.
    pub drained: Option<Timestamp>,
    /// When `spec.replicas` last went from > 0 to 0; cleared when it goes up again.
    pub back_to_zero: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PodStep {
    Scheduled,
    ContainerStarted,
    Ready,
    /// A terminating receiver's drain limit: it abandons what it still holds.
    Abandon,
    Removed,
}

#[derive(Clone, Debug)]
struct Trickle {
    per_second: f64,
    carry: f64,
    last: Nanos,
    next: Nanos,
}

impl Trickle {
    fn schedule_next(&mut self) {
        let missing = (1.0 - self.carry).max(0.0) / self.per_second;
        // Whole nanoseconds, rounded up so the message is due when it is.
        let wait =
            Nanos::from_nanos((missing * 1e9).ceil().min(Nanos::NEVER.as_nanos() as f64) as i64);
        self.next = self.last + wait.max(TRICKLE_BATCH);
    }
}

pub struct World {
    config: SimConfig,
    rng: fastrand::Rng,
    start: Timestamp,
    now: Nanos,
    // Durations in nanoseconds, converted once.
    polling_interval: Nanos,
    hpa_sync_period: Nanos,
    processing: Nanos,
    metric_name: String,
    replica_set: String,

    queue: Queue,
    trickle: Option<Trickle>,

    /// Indexed by serial; `None` once removed. Serials are never reused.
    pods: Vec<Option<Pod>>,
    /// Index of the oldest pod that may still exist.
    oldest_pod: usize,
    used_suffixes: HashSet<u32>,
    timeline: BinaryHeap<Reverse<(Nanos, u32, PodStep)>>,
    idle: Vec<u32>,

    spec_replicas: u32,
    /// Pods without a deletionTimestamp.
    status_replicas: u32,
    ready_replicas: u32,

    keda: KedaLoop,
    hpa: HpaLoop,

    pending: StepOutcome,
    recent_events: VecDeque<ClusterEvent>,
    stats: SimStats,
}

impl World {
    /// Creating the world creates the ScaledObject: KEDA's first poll and the HPA's first sync
    /// run at `start` (their events come out of the first `step`); the sync one period later
    /// with `hpa_first_sync_after_period` (docs/keda-semantics.md §4.2). `config` should have passed
    /// [`SimConfig::validate`] (as the console's `SimArgs::apply` ensures).
    pub fn new(config: SimConfig, seed: u64, start: Timestamp) -> Self {
        Self::build(config, seed, start, None)
    }

    /// A world that carries on from a live cluster (the Wi-Fi fallback): the ScaledObject already
    /// exists (no creation events), the Deployment runs `replicas` Ready pods, and
    /// `active_messages` wait in the queue, so KEDA's first poll and the HPA's first sync start
    /// from the numbers the audience just saw. With replicas > 0 the target counts as active
    /// until now, so the cooldown runs from the switch rather than scaling to zero at the first
    /// poll (§1.2: `lastActiveTime + cooldownPeriod`); with an empty queue it then scales in as
    /// KEDA would. `config.initial_replicas` is replaced by `replicas`.
    pub fn from_live(
        mut config: SimConfig,
        seed: u64,
        start: Timestamp,
        active_messages: u64,
        replicas: u32,
    ) -> Self {
        config.initial_replicas = replicas;
        Self::build(config, seed, start, Some(active_messages))
    }

    /// `live_messages`: `Some` when seeded from a live cluster (see [`World::from_live`]).
    fn build(config: SimConfig, seed: u64, start: Timestamp, live_messages: Option<u64>) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let replica_set = format!(
            "{}-{}",
            config.names.deployment,
            pods::template_hash(&mut rng)
        );
        let metric_name = config.names.metric(config.scaler);
        let mut world = Self {
            polling_interval: Nanos::from_duration(config.polling_interval)
                .max(Nanos::from_nanos(1)),
            hpa_sync_period: Nanos::from_duration(config.hpa_sync_period).max(Nanos::from_nanos(1)),
            processing: Nanos::from_duration(config.processing_time).max(Nanos::from_nanos(1)),
            metric_name,
            replica_set,
            rng,
            start,
            now: Nanos::ZERO,
            queue: Queue::new(config.max_delivery_count),
            trickle: None,
            pods: Vec::new(),
            oldest_pod: 0,
            used_suffixes: HashSet::new(),
            timeline: BinaryHeap::new(),
            idle: Vec::new(),
            spec_replicas: 0,
            status_replicas: 0,
            ready_replicas: 0,
            keda: KedaLoop::new(Nanos::ZERO),
            hpa: HpaLoop::new(if config.hpa_first_sync_after_period {
                Nanos::from_duration(config.hpa_sync_period).max(Nanos::from_nanos(1))
            } else {
                Nanos::ZERO
            }),
            pending: StepOutcome::default(),
            recent_events: VecDeque::new(),
            stats: SimStats::default(),
            config,
        };
        let mut out = StepOutcome::default();
        // The Deployment existed before the ScaledObject: its pods are already Ready.
        let initial = world.config.initial_replicas;
        world.spec_replicas = initial;
        for _ in 0..initial {
            let serial = world.create_pod(&mut out, false);
            world.make_ready_now(serial);
        }
        world.timeline.clear();
        world.stats.peak_spec_replicas = initial;
        world.stats.peak_ready_replicas = initial;
        if let Some(messages) = live_messages {
            if initial > 0 {
                world.keda.last_active = Some(Nanos::ZERO);
            }
            // The switch is not a poll: KEDA and the HPA act one period later, as their loops
            // would have (no jump in replicas at the moment the screen changes to SIM).
            world.keda.next_poll = world.polling_interval;
            world.hpa.next_sync = world.hpa_sync_period;
            world.hpa.current_replicas = initial;
            world.hpa.desired_replicas = initial;
            // Ready pods take their share at once, as the live receivers had.
            world.send(messages);
            world.run_until(Nanos::ZERO, &mut out);
            // The Active condition KEDA's last poll would have left (§1.2), without its scaling.
            let metric = world.metric();
            world.keda.active = Some(
                keda::request_scale(&KedaPoll {
                    now: Nanos::ZERO,
                    is_active: metric > world.config.activation_message_count,
                    current_replicas: world.spec_replicas,
                    min_replicas: world.config.min_replicas,
                    idle_replicas: world.config.idle_replicas,
                    last_active: world.keda.last_active,
                    created: world.keda.created,
                    cooldown: Nanos::from_duration(world.config.cooldown_period),
                    initial_cooldown: Nanos::from_duration(world.config.initial_cooldown_period),
                })
                .active,
            );
            world.pending = out;
            return world;
        }
        let so = world.config.names.scaled_object.clone();
        for started in loops::Recorded::keda_started(&so, world.config.scaler.trigger_type()) {
            world.emit(&mut out, started);
        }
        world.run_until(Nanos::ZERO, &mut out);
        world.pending = out;
        world
    }

    pub fn now(&self) -> Timestamp {
        self.at(self.now)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    fn at(&self, nanos: Nanos) -> Timestamp {
        self.start
            .saturating_add(nanos.to_duration())
            .unwrap_or(self.start)
    }

    /// Advances the clock by `dt` (negative counts as zero), running every event due up to and
    /// including the new `now`.
    pub fn step(&mut self, dt: SignedDuration) -> StepOutcome {
        let target = self.now.saturating_add(Nanos::from_duration(dt));
        let mut out = std::mem::take(&mut self.pending);
        self.run_until(target, &mut out);
        self.now = target;
        out
    }

    /// Sends `count` messages now; they land after anything due at this instant.
    pub fn send(&mut self, count: u64) {
        if count == 0 {
            return;
        }
        self.queue.send(count);
        self.stats.sent += count;
        if self.stats.first_send.is_none() {
            self.stats.first_send = Some(self.now());
        }
        self.stats.drained = None;
        self.dispatch();
    }

    /// Removes the deliverable messages (locked ones stay), returns how many.
    pub fn purge(&mut self) -> u64 {
        let removed = self.queue.purge();
        self.stats.purged += removed;
        self.note_queue_level();
        removed
    }

    pub fn set_consumers_paused(&mut self, paused: bool) {
        self.config.consumers_paused = paused;
        self.dispatch();
    }

    pub fn consumers_paused(&self) -> bool {
        self.config.consumers_paused
    }

    /// Steady sends at `per_second` messages per second (`None` or ≤ 0 stops them).
    pub fn set_trickle(&mut self, per_second: Option<f64>) {
        self.trickle = per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|per_second| {
                let mut t = Trickle {
                    per_second,
                    carry: 0.0,
                    last: self.now,
                    next: Nanos::ZERO,
                };
                t.schedule_next();
                t
            });
    }

    pub fn trickle(&self) -> Option<f64> {
        self.trickle.as_ref().map(|t| t.per_second)
    }

    fn next_event_time(&self) -> Nanos {
        let mut t = self.keda.next_poll.min(self.hpa.next_sync);
        if let Some(q) = self.queue.next_due() {
            t = t.min(q);
        }
        if let Some(trickle) = &self.trickle {
            t = t.min(trickle.next);
        }
        if let Some(Reverse((p, _, _))) = self.timeline.peek() {
            t = t.min(*p);
        }
        t
    }

    fn run_until(&mut self, target: Nanos, out: &mut StepOutcome) {
        loop {
            let t = self.next_event_time();
            if t > target {
                break;
            }
            self.now = t;
            self.settle_messages(t);
            if self.trickle.as_ref().is_some_and(|tr| tr.next <= t) {
                self.run_trickle(t);
            }
            while let Some(&Reverse((at, serial, step))) = self.timeline.peek() {
                if at > t {
                    break;
                }
                self.timeline.pop();
                self.advance_pod(serial, step, out);
            }
            if self.hpa.next_sync <= t {
                self.hpa.next_sync = t.saturating_add(self.hpa_sync_period);
                self.hpa_sync(out);
            }
            if self.keda.next_poll <= t {
                self.keda.next_poll = t.saturating_add(self.polling_interval);
                self.keda_poll(out);
            }
            self.dispatch();
            self.stats.dead_lettered = self.queue.dead_letter();
        }
    }

    fn settle_messages(&mut self, t: Nanos) {
        if self.queue.release_expired_locks(t) > 0 {
            self.stats.drained = None;
        }
        let mut completed = false;
        while let Some(c) = self.queue.pop_due_completion(t) {
            // A removed pod's batches were handed to the lock-expiry queue, an abandoning pod's
            // back to the queue.
            let Some(pod) = self.pods.get_mut(c.pod as usize).and_then(Option::as_mut) else {
                continue;
            };
            if pod.abandoned {
                continue;
            }
            pod.in_flight -= c.count;
            self.queue.complete(c.count);
            self.stats.completed += u64::from(c.count);
            completed = true;
            if !pod.in_idle && pod.takes_messages() {
                pod.in_idle = true;
                self.idle.push(c.pod);
            }
        }
        if completed {
            self.note_queue_level();
        }
    }

    fn note_queue_level(&mut self) {
        if self.queue.active() + self.queue.in_flight() == 0
            && self.stats.sent > 0
            && self.stats.drained.is_none()
        {
            self.stats.drained = Some(self.now());
        }
    }

    fn run_trickle(&mut self, t: Nanos) {
        let Some(trickle) = self.trickle.as_mut() else {
            return;
        };
        trickle.carry += trickle.per_second * (t - trickle.last).as_secs_f64();
        let whole = trickle.carry.floor();
        trickle.carry -= whole;
        trickle.last = t;
        trickle.schedule_next();
        self.send(whole as u64);
    }

    /// Ready receivers with free slots lock active messages.
    fn dispatch(&mut self) {
        if self.config.consumers_paused {
            return;
        }
        let done_at = self.now.saturating_add(self.processing);
        let concurrency = self.config.concurrency;
        while self.queue.active() > 0 {
            let Some(serial) = self.idle.pop() else {
                break;
            };
            let Some(pod) = self.pods[serial as usize].as_mut() else {
                continue;
            };
            pod.in_idle = false;
            if !pod.takes_messages() || pod.in_flight >= concurrency {
                continue;
            }
            let take = u64::from(concurrency - pod.in_flight).min(self.queue.active()) as u32;
            pod.in_flight += take;
            pod.last_done_at = done_at;
            self.queue.lock(done_at, serial, take);
            if pod.in_flight < concurrency {
                pod.in_idle = true;
                self.idle.push(serial);
            }
        }
    }

    fn emit(&mut self, out: &mut StepOutcome, recorded: loops::Recorded) {
        let event = ClusterEvent {
            at: self.now(),
            type_: recorded.type_,
            reason: recorded.reason.to_string(),
            object: recorded.object(),
            message: recorded.message,
            source: recorded.component.to_string(),
            count: 1,
        };
        if self.recent_events.len() == RECENT_EVENTS {
            self.recent_events.pop_front();
        }
        self.recent_events.push_back(event.clone());
        out.events.push(event);
    }

    fn create_pod(&mut self, out: &mut StepOutcome, with_events: bool) -> u32 {
        let suffix = loop {
            let s = pods::random_suffix(&mut self.rng);
            if self.used_suffixes.insert(s) {
                break s;
            }
        };
        let serial = u32::try_from(self.pods.len()).expect("fewer than 4 billion pods");
        let name = format!("{}-{}", self.replica_set, pods::suffix_text(suffix));
        let node = (serial % u32::from(NODES)) as u8;
        if with_events {
            let created = loops::Recorded::pod_created(&self.replica_set, &name);
            self.emit(out, created);
        }
        self.pods.push(Some(Pod {
            serial,
            name: name.into_boxed_str(),
            suffix,
            created: self.now,
            stage: PodStage::Pending,
            ready_at: None,
            deleted_at: None,
            in_flight: 0,
            last_done_at: Nanos::ZERO,
            abandoned: false,
            in_idle: false,
            node,
        }));
        self.status_replicas += 1;
        let at = self.now + Nanos::from_duration(self.config.pod.scheduling);
        self.timeline
            .push(Reverse((at, serial, PodStep::Scheduled)));
        out.pods_changed = true;
        out.deployment_changed = true;
        serial
    }

    fn make_ready_now(&mut self, serial: u32) {
        if let Some(pod) = self.pods[serial as usize].as_mut() {
            pod.stage = PodStage::Ready;
            pod.ready_at = Some(self.now);
            pod.in_idle = true;
            self.idle.push(serial);
            self.ready_replicas += 1;
        }
    }

    fn advance_pod(&mut self, serial: u32, step: PodStep, out: &mut StepOutcome) {
        let now = self.now;
        let timings = self.config.pod.clone();
        let Some(pod) = self.pods[serial as usize].as_mut() else {
            return;
        };
        if step == PodStep::Removed {
            let pod = self.pods[serial as usize].take().expect("checked above");
            if pod.in_flight > 0 {
                self.queue.orphan_pod(
                    serial,
                    now + Nanos::from_duration(self.config.lock_duration),
                );
            }
            self.used_suffixes.remove(&pod.suffix);
            while self.oldest_pod < self.pods.len() && self.pods[self.oldest_pod].is_none() {
                self.oldest_pod += 1;
            }
            out.pods_changed = true;
            return;
        }
        if step == PodStep::Abandon {
            if pod.in_flight > 0 {
                self.queue.abandon_pod(serial);
                pod.in_flight = 0;
                pod.abandoned = true;
            }
            return;
        }
        if pod.deleted_at.is_some() {
            return; // a deleted pod goes no further
        }
        let (next, recorded) = match step {
            PodStep::Scheduled => {
                pod.stage = PodStage::ContainerCreating;
                let node = format!("sim-node-{}", pod.node);
                (
                    Some((timings.container_creating, PodStep::ContainerStarted)),
                    loops::Recorded::scheduled(&self.config.names.namespace, &pod.name, &node),
                )
            }
            PodStep::ContainerStarted => {
                pod.stage = PodStage::Running;
                (
                    Some((timings.readiness, PodStep::Ready)),
                    loops::Recorded::started(&pod.name, &self.config.names.container),
                )
            }
            PodStep::Ready => {
                pod.stage = PodStage::Ready;
                pod.ready_at = Some(now);
                if !pod.in_idle {
                    pod.in_idle = true;
                    self.idle.push(serial);
                }
                self.ready_replicas += 1;
                self.stats.peak_ready_replicas =
                    self.stats.peak_ready_replicas.max(self.ready_replicas);
                if self.stats.first_ready.is_none() {
                    self.stats.first_ready = Some(self.at(now));
                }
                out.pods_changed = true;
                out.deployment_changed = true;
                return;
            }
            PodStep::Abandon | PodStep::Removed => unreachable!("handled above"),
        };
        if let Some((delay, step)) = next {
            self.timeline
                .push(Reverse((now + Nanos::from_duration(delay), serial, step)));
        }
        out.pods_changed = true;
        self.emit(out, recorded);
    }

    /// Sets the target's `spec.replicas` (through `/scale`) and lets the Deployment and
    /// ReplicaSet controllers converge at once.
    fn scale_target(&mut self, replicas: u32, out: &mut StepOutcome) {
        let previous = self.spec_replicas;
        if previous == replicas {
            return;
        }
        self.spec_replicas = replicas;
        out.deployment_changed = true;
        self.stats.peak_spec_replicas = self.stats.peak_spec_replicas.max(replicas);
        if replicas == 0 {
            self.stats.back_to_zero = Some(self.now());
        } else {
            self.stats.back_to_zero = None;
        }
        let scaled = loops::Recorded::scaled_replica_set(
            &self.config.names.deployment,
            &self.replica_set,
            previous,
            replicas,
        );
        self.emit(out, scaled);
        if self.status_replicas < replicas {
            for _ in self.status_replicas..replicas {
                self.create_pod(out, true);
            }
        } else if self.status_replicas > replicas {
            self.delete_pods(self.status_replicas - replicas, out);
        }
    }

    /// Deletes `count` pods in the ReplicaSet controller's order (§5.2).
    fn delete_pods(&mut self, count: u32, out: &mut StepOutcome) {
        let mut candidates: Vec<_> = self.pods[self.oldest_pod..]
            .iter()
            .flatten()
            .filter(|p| p.deleted_at.is_none())
            .map(|p| (pods::deletion_order_key(p), p.serial))
            .collect();
        let count = (count as usize).min(candidates.len());
        if count == 0 {
            return;
        }
        if count < candidates.len() {
            candidates.select_nth_unstable(count - 1);
        }
        candidates.truncate(count);
        candidates.sort_unstable();
        let grace = Nanos::from_duration(self.config.pod.termination_grace_period);
        let shutdown = Nanos::from_duration(self.config.pod.shutdown);
        let drain_limit = Nanos::from_duration(self.config.pod.drain_limit);
        for (_, serial) in candidates {
            let now = self.now;
            let pod = self.pods[serial as usize]
                .as_mut()
                .expect("candidate exists");
            pod.deleted_at = Some(now);
            let name = pod.name.to_string();
            let (stage, in_flight, last_done_at) = (pod.stage, pod.in_flight, pod.last_done_at);
            self.status_replicas -= 1;
            if stage == PodStage::Ready {
                self.ready_replicas -= 1;
            }
            // SIGTERM: the receiver stops taking messages, finishes its in-flight work up to its
            // drain limit, abandons the rest, then exits; the kubelet SIGKILLs it at the grace
            // period, and whatever it still holds stays locked until the locks expire.
            let remove_at = match stage {
                PodStage::Pending => now,
                PodStage::ContainerCreating => now.saturating_add(SANDBOX_TEARDOWN.min(grace)),
                PodStage::Running | PodStage::Ready => {
                    let deadline = now.saturating_add(drain_limit);
                    let work_ends = if in_flight == 0 { now } else { last_done_at };
                    let finish = work_ends.min(deadline);
                    let remove_at = finish
                        .saturating_add(shutdown)
                        .min(now.saturating_add(grace));
                    if work_ends > deadline && deadline <= remove_at {
                        self.timeline
                            .push(Reverse((deadline, serial, PodStep::Abandon)));
                    }
                    remove_at
                }
            };
            self.timeline
                .push(Reverse((remove_at, serial, PodStep::Removed)));
            let deleted = loops::Recorded::pod_deleted(&self.replica_set, &name);
            self.emit(out, deleted);
            if matches!(stage, PodStage::Running | PodStage::Ready) {
                let killing = loops::Recorded::killing(&name, &self.config.names.container);
                self.emit(out, killing);
            }
        }
        out.pods_changed = true;
        out.deployment_changed = true;
    }

    fn metric(&self) -> u64 {
        self.queue.metric(self.config.count_in_flight_as_active)
    }

    /// KEDA's scale loop, one poll (§1.2).
    fn keda_poll(&mut self, out: &mut StepOutcome) {
        let metric = self.metric();
        let scale = self
            .keda
            .poll(self.now, metric, self.spec_replicas, &self.config);
        out.scaled_object_changed = true;
        if let Some(scaled) =
            loops::Recorded::keda_scaled(scale, &self.config.names, &self.metric_name)
        {
            self.emit(out, scaled);
        }
        if let Some(to) = loops::keda_target(scale) {
            self.scale_target(to, out);
        }
    }

    /// One `reconcileAutoscaler` (§4.2).
    fn hpa_sync(&mut self, out: &mut StepOutcome) {
        out.hpa_changed = true;
        let metric = self.metric();
        let at = self.now();
        let Some(rescale) = self.hpa.sync(
            self.now,
            self.spec_replicas,
            self.status_replicas,
            metric,
            &self.config,
            at,
        ) else {
            return;
        };
        let rescaled = loops::Recorded::hpa_rescaled(&self.config.names.hpa(), rescale.message);
        self.emit(out, rescaled);
        self.scale_target(rescale.desired, out);
    }
    // ---- views, in the shared vocabulary ----

    pub fn queue_sample(&self) -> QueueSample {
        let active = self.metric();
        let in_flight = self.queue.in_flight();
        QueueSample {
            at: self.now(),
            counts: QueueCounts {
                active,
                in_flight: Some(in_flight),
                dead_letter: self.queue.dead_letter(),
                scheduled: 0,
                total: Some(self.queue.active() + in_flight + self.queue.dead_letter()),
            },
        }
    }

    /// Live pods in creation order, Terminating ones included.
    pub fn pods(&self) -> Vec<PodView> {
        self.pods[self.oldest_pod..]
            .iter()
            .flatten()
            .map(|pod| {
                let (status, ready) = pod.kubectl_status();
                PodView {
                    name: pod.name.to_string(),
                    status: status.to_string(),
                    ready_containers: ready,
                    total_containers: 1,
                    restarts: 0,
                    last_restart: None,
                    created: self.at(pod.created),
                    deleting: pod.deleted_at.is_some(),
                    node: (pod.stage != PodStage::Pending)
                        .then(|| format!("sim-node-{}", pod.node)),
                }
            })
            .collect()
    }

    pub fn deployment(&self) -> DeploymentView {
        DeploymentView {
            name: self.config.names.deployment.clone(),
            spec_replicas: self.spec_replicas,
            status_replicas: self.status_replicas,
            ready_replicas: self.ready_replicas,
        }
    }

    /// The poll at which KEDA will scale to 0 (or idle) if the trigger stays inactive: the first
    /// poll strictly after `lastActiveTime + cooldownPeriod` (§1.2). `None` when KEDA has nothing
    /// to scale in (active, already at 0/idle, or `minReplicaCount` > 0 without an idle count).
    pub fn expected_deactivation(&self) -> Option<Timestamp> {
        let c = &self.config;
        let scalable = match c.idle_replicas {
            Some(idle) => self.spec_replicas > idle,
            None => self.spec_replicas > 0 && c.min_replicas == 0,
        };
        if !scalable || self.keda_active() {
            return None;
        }
        let threshold = match self.keda.last_active {
            Some(last) => last + Nanos::from_duration(c.cooldown_period),
            None => self.keda.created + Nanos::from_duration(c.initial_cooldown_period),
        };
        let next = self.keda.next_poll;
        let polls = if threshold < next {
            0
        } else {
            (threshold - next) / self.polling_interval + 1
        };
        Some(self.at(next + self.polling_interval * polls))
    }

    /// When the HPA syncs next (every 15 s from the ScaledObject's creation).
    pub fn next_hpa_sync(&self) -> Timestamp {
        self.at(self.hpa.next_sync)
    }

    /// True when the last KEDA poll found the trigger active.
    pub fn keda_active(&self) -> bool {
        self.keda.active == Some(ActiveCondition::ScalerActive)
    }

    pub fn scaled_object(&self) -> ScaledObjectView {
        self.keda.view(&self.config, |t| self.at(t))
    }

    /// The HPA KEDA created with the ScaledObject (it exists from the start).
    pub fn hpa(&self) -> Option<HpaView> {
        Some(self.hpa.view(&self.config, |t| self.at(t)))
    }

    /// The full state, for a console that starts (or restarts) watching.
    pub fn snapshot(&self) -> Vec<SourceEvent> {
        let mut events = vec![
            SourceEvent::Health {
                source: SourceKind::Simulator,
                health: Health::Connected,
            },
            SourceEvent::Queue(self.queue_sample()),
            SourceEvent::Pods(self.pods()),
            SourceEvent::Deployment(self.deployment()),
            SourceEvent::ScaledObject(Box::new(self.scaled_object())),
            SourceEvent::Hpa(self.hpa().map(Box::new)),
            SourceEvent::ConsumersPaused(self.config.consumers_paused),
            SourceEvent::Trickle(self.trickle()),
        ];
        // Events not yet delivered by a `step` come out of it; listing them here too would
        // show every start-up event twice.
        let delivered = self
            .recent_events
            .len()
            .saturating_sub(self.pending.events.len());
        events.extend(
            self.recent_events
                .iter()
                .take(delivered)
                .cloned()
                .map(SourceEvent::ClusterEvent),
        );
        events
    }

    /// What changed in `outcome`, plus a queue sample and the step's cluster events.
    pub fn source_events(&self, outcome: &StepOutcome) -> Vec<SourceEvent> {
        let mut events = vec![SourceEvent::Queue(self.queue_sample())];
        if outcome.pods_changed {
            events.push(SourceEvent::Pods(self.pods()));
        }
        if outcome.deployment_changed {
            events.push(SourceEvent::Deployment(self.deployment()));
        }
        if outcome.scaled_object_changed {
            events.push(SourceEvent::ScaledObject(Box::new(self.scaled_object())));
        }
        if outcome.hpa_changed {
            events.push(SourceEvent::Hpa(self.hpa().map(Box::new)));
        }
        events.extend(
            outcome
                .events
                .iter()
                .cloned()
                .map(SourceEvent::ClusterEvent),
        );
        events
    }

    /// Messages in every state; equals `stats().sent` (conservation).
    pub fn accounted_messages(&self) -> u64 {
        self.queue.active()
            + self.queue.in_flight()
            + self.queue.dead_letter()
            + self.stats.completed
            + self.stats.purged
    }
}
