//! The lab's controllers: KEDA's scale loop, the HPA, the Deployment and ReplicaSet controllers
//! and a kubelet, in one loop over real objects in a real API server (kube-rs). The decisions are
//! the simulator's ([`kedatui_core::sim::loops`]): fed the queue's count as KEDA's scaler reads
//! it (Service Bus's ActiveMessageCount from the management REST, RabbitMQ's `messages` from the
//! management API) and the pods the lab runs.
//! The containers are real `receiver` processes ([`super::worker`]).

use kedatui_core::sim::time::Nanos;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event as KubeEvent, Pod};
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::objects;
use super::pods::{self, LabPod, PodTemplate, Stage};
use super::worker::{self, WorkerEnv, WorkerEvent};
use super::{Fault, LabCommand, LabReport};
use kedatui_core::crd::ScaledObject;
use kedatui_core::queue::Queue;
use kedatui_core::sim::SimConfig;
use kedatui_core::sim::loops::{self, HpaLoop, KedaLoop};

/// How often the loop looks at the clock when nothing else wakes it.
const TICK: Duration = Duration::from_millis(100);
/// How long the kubelet shows a receiver's exit before its back-off starts.
const SHOW_EXIT: Nanos = Nanos::from_secs(1);

/// Deletes the pods of the lab's Deployment that are in the API server before the lab runs any
/// receiver: an earlier lab that died without cleaning up (SIGKILL, a crash) left them, and no
/// kubelet will ever remove them. Returns their names.
pub async fn delete_leftover_pods(
    client: &kube::Client,
    config: &SimConfig,
) -> Result<Vec<String>, String> {
    let names = &config.names;
    let api: Api<Pod> = Api::namespaced(client.clone(), &names.namespace);
    let selector = format!("app.kubernetes.io/name={}", names.deployment);
    let list = api
        .list(&kube::api::ListParams::default().labels(&selector))
        .await
        .map_err(|e| {
            format!(
                "the lab cannot list the pods left in {}: {e}",
                names.namespace
            )
        })?;
    let mut deleted = Vec::new();
    for pod in list.items {
        let Some(name) = pod.metadata.name else {
            continue;
        };
        let now = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        match api.delete(&name, &now).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => continue,
            Err(e) => {
                return Err(format!(
                    "the lab cannot delete the pod {name} left by an earlier run: {e}"
                ));
            }
        }
        tracing::info!(pod = name, "lab: deleted a pod an earlier run left");
        deleted.push(name);
    }
    Ok(deleted)
}

/// The first retry after the API server could not be reached, doubling up to the last.
const API_RETRY_FIRST: Duration = Duration::from_millis(200);
const API_RETRY_MAX: Duration = Duration::from_secs(2);

/// Whether the API server takes the lab's writes: while it cannot be reached, writes wait out a
/// back-off instead of being tried (and failing) at every tick and receiver event.
#[derive(Debug, Default)]
struct ApiHealth {
    /// Why the API server could not be reached in the round of writes in progress.
    failed: Option<String>,
    down_since: Option<Instant>,
    retry_at: Option<Instant>,
    backoff: Duration,
}

/// A change the log records, once each.
#[derive(Debug, PartialEq, Eq)]
enum ApiChange {
    Down(String),
    Back(Duration),
}

impl ApiHealth {
    fn due(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }

    /// A write failed; the API server's own refusals (4xx) say it is there.
    fn failed(&mut self, e: &kube::Error) {
        let unreachable = match e {
            kube::Error::Api(s) => s.code >= 500,
            _ => true,
        };
        if unreachable && self.failed.is_none() {
            self.failed = Some(e.to_string());
        }
    }

    /// The round of writes is over: schedule the next try, and say what changed.
    fn settle(&mut self, now: Instant) -> Option<ApiChange> {
        match (self.failed.take(), self.down_since) {
            (Some(e), None) => {
                self.down_since = Some(now);
                self.backoff = API_RETRY_FIRST;
                self.retry_at = Some(now + self.backoff);
                Some(ApiChange::Down(e))
            }
            (Some(_), Some(_)) => {
                self.backoff = (self.backoff * 2).min(API_RETRY_MAX);
                self.retry_at = Some(now + self.backoff);
                None
            }
            (None, Some(since)) => {
                self.down_since = None;
                self.retry_at = None;
                Some(ApiChange::Back(now.saturating_duration_since(since)))
            }
            (None, None) => None,
        }
    }
}

/// What the controller needs besides the configuration.
pub struct Wiring {
    pub client: kube::Client,
    /// The queue as KEDA's scaler reads it (Service Bus's Manage rule, RabbitMQ's management
    /// API).
    pub queue: Queue,
    pub worker_env: WorkerEnv,
    pub template: PodTemplate,
    pub restart_backoff: Duration,
    pub seed: u64,
    pub commands: UnboundedReceiver<LabCommand>,
    /// Faults the controller cannot carry out itself (broker, API server) go back to the lab.
    pub faults: UnboundedSender<Fault>,
    /// Whether the API server serves Events; without them the lab writes none.
    pub events: bool,
}

struct Running {
    pid: u32,
    generation: u32,
}

pub struct Controller {
    config: SimConfig,
    start: Timestamp,
    clock: Instant,
    client: kube::Client,
    queue: Queue,
    keda: KedaLoop,
    hpa: HpaLoop,
    spec_replicas: u32,
    pods: Vec<LabPod>,
    /// Pods whose Pod object exists in the API server.
    created: std::collections::HashSet<String>,
    processes: HashMap<String, Running>,
    generation: u32,
    replica_set: String,
    rng: fastrand::Rng,
    serial: u32,
    template: PodTemplate,
    worker_env: WorkerEnv,
    worker_tx: UnboundedSender<WorkerEvent>,
    worker_rx: UnboundedReceiver<WorkerEvent>,
    commands: UnboundedReceiver<LabCommand>,
    faults: UnboundedSender<Fault>,
    backoff: Nanos,
    // What was last written, so only changes go to the API server.
    written_pods: HashMap<String, Value>,
    written_deployment: Option<(u32, Value)>,
    written_so: Option<Value>,
    written_hpa: Option<Value>,
    pending_events: Vec<Value>,
    write_events: bool,
    /// Pod deletions to send, with their grace period (0: the kubelet's final removal);
    /// kept until the API server took them.
    deletions: Vec<(String, u32)>,
    event_serial: u64,
    api: ApiHealth,
    report: LabReport,
}

impl Controller {
    pub fn new(config: SimConfig, wiring: Wiring) -> Self {
        let mut rng = fastrand::Rng::with_seed(wiring.seed);
        let replica_set = format!(
            "{}-{}",
            config.names.deployment,
            kedatui_core::sim::pods::template_hash(&mut rng)
        );
        let (worker_tx, worker_rx) = mpsc::unbounded_channel();
        Self {
            start: Timestamp::now(),
            clock: Instant::now(),
            client: wiring.client,
            queue: wiring.queue,
            keda: KedaLoop::new(Nanos::ZERO),
            hpa: HpaLoop::new(Nanos::ZERO),
            spec_replicas: 0,
            pods: Vec::new(),
            created: Default::default(),
            processes: HashMap::new(),
            generation: 0,
            replica_set,
            rng,
            serial: 0,
            template: wiring.template,
            worker_env: wiring.worker_env,
            worker_tx,
            worker_rx,
            commands: wiring.commands,
            faults: wiring.faults,
            backoff: Nanos::from_std(wiring.restart_backoff),
            written_pods: HashMap::new(),
            written_deployment: None,
            written_so: None,
            written_hpa: None,
            pending_events: Vec::new(),
            write_events: wiring.events,
            deletions: Vec::new(),
            event_serial: 0,
            api: ApiHealth::default(),
            report: LabReport::default(),
            config,
        }
    }

    fn now(&self) -> Nanos {
        Nanos::from_std(self.clock.elapsed())
    }

    fn at(&self, nanos: Nanos) -> Timestamp {
        self.start
            .saturating_add(nanos.to_duration())
            .unwrap_or(self.start)
    }

    fn ns(&self) -> &str {
        &self.config.names.namespace
    }

    /// Runs until told to stop; then stops every receiver (SIGTERM, the grace period, SIGKILL)
    /// and returns what happened.
    pub async fn run(mut self) -> LabReport {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                Some(event) = self.worker_rx.recv() => self.on_worker(event),
                command = self.commands.recv() => match command {
                    Some(LabCommand::Fault(Fault::CrashReceiver)) => self.crash_one(),
                    Some(LabCommand::Fault(other)) => { let _ = self.faults.send(other); }
                    Some(LabCommand::Shutdown) | None => break,
                },
            }
            self.step().await;
            self.flush().await;
        }
        self.stop_all().await;
        self.report
    }

    fn on_worker(&mut self, event: WorkerEvent) {
        let now = self.now();
        match event {
            WorkerEvent::Connected { pod, generation } => {
                if self
                    .processes
                    .get(&pod)
                    .is_some_and(|r| r.generation == generation)
                    && let Some(p) = self.pods.iter_mut().find(|p| p.name == pod)
                {
                    p.connected(now);
                }
            }
            WorkerEvent::Completed { .. } => self.report.completed_by_receivers += 1,
            WorkerEvent::Exited {
                pod,
                generation,
                code,
                message,
            } => {
                let current = self.processes.get(&pod).map(|r| r.generation);
                if current != Some(generation) {
                    return;
                }
                self.processes.remove(&pod);
                let Some(p) = self.pods.iter_mut().find(|p| p.name == pod) else {
                    return;
                };
                let deleting = p.deleted_at.is_some();
                p.process_exited(now, code, message);
                if deleting {
                    self.report.exits_when_deleted.push(code);
                } else {
                    self.report.crashes += 1;
                    tracing::info!(pod, code, "lab: a receiver exited on its own");
                }
            }
        }
    }

    /// Kill (SIGKILL) the receiver of the longest-Ready pod, as a crash would.
    fn crash_one(&mut self) {
        let victim = self
            .pods
            .iter()
            .filter(|p| p.deleted_at.is_none() && p.running)
            .min_by_key(|p| (p.ready_at.is_none(), p.ready_at))
            .map(|p| p.name.clone());
        match victim.and_then(|name| self.processes.get(&name).map(|r| (name, r.pid))) {
            Some((name, pid)) => {
                tracing::info!(pod = name, "lab: crashing a receiver (SIGKILL)");
                #[cfg(unix)]
                worker::signal(pid, nix::sys::signal::Signal::SIGKILL);
            }
            None => tracing::info!("lab: no running receiver to crash"),
        }
    }

    async fn step(&mut self) {
        let now = self.now();
        self.advance_pods(now);
        if self.hpa.next_sync <= now {
            self.hpa.next_sync = now + Nanos::from_duration(self.config.hpa_sync_period);
            self.hpa_sync(now).await;
        }
        if self.keda.next_poll <= now {
            self.keda.next_poll = now + Nanos::from_duration(self.config.polling_interval);
            self.keda_poll(now).await;
        }
        self.reconcile_replica_set(now);
    }

    async fn metric(&self) -> Result<u64, String> {
        // KEDA's metric: Service Bus's ActiveMessageCount; RabbitMQ's QueueLength over the
        // management API, `messages` (ready + unacknowledged: `count_in_flight_as_active`).
        let counts = self.queue.read_counts().await.map_err(|e| e.message)?;
        let mut metric = counts.active;
        if self.config.count_in_flight_as_active {
            metric += counts.in_flight.unwrap_or(0);
        }
        Ok(metric)
    }

    async fn keda_poll(&mut self, now: Nanos) {
        let metric = match self.metric().await {
            Ok(m) => m,
            Err(e) => {
                // KEDA keeps the replicas it has when a scaler fails (no fallback configured).
                self.keda.poll_failed(now);
                let failed =
                    loops::Recorded::keda_scaler_failed(&self.config.names.scaled_object, &e);
                self.event(failed);
                return;
            }
        };
        let scale = self
            .keda
            .poll(now, metric, self.spec_replicas, &self.config);
        let metric_name = self.config.names.metric(self.config.scaler);
        if let Some(scaled) = loops::Recorded::keda_scaled(scale, &self.config.names, &metric_name)
        {
            self.event(scaled);
        }
        if let Some(to) = loops::keda_target(scale) {
            self.scale_target(to);
        }
    }

    async fn hpa_sync(&mut self, now: Nanos) {
        let metric = if self.spec_replicas == 0 {
            Ok(0)
        } else {
            self.metric().await
        };
        let metric = match metric {
            Ok(m) => m,
            Err(e) => {
                let status = self.live_pods() as u32;
                let message = self.hpa.metric_failed(now, status, &e, &self.config);
                self.event(loops::Recorded::hpa_metric_failed(
                    &self.config.names.hpa(),
                    message,
                ));
                return;
            }
        };
        let status = self.live_pods() as u32;
        let at = self.at(now);
        if let Some(rescale) =
            self.hpa
                .sync(now, self.spec_replicas, status, metric, &self.config, at)
        {
            self.event(loops::Recorded::hpa_rescaled(
                &self.config.names.hpa(),
                rescale.message,
            ));
            self.scale_target(rescale.desired);
        }
    }

    fn live_pods(&self) -> usize {
        self.pods.iter().filter(|p| p.deleted_at.is_none()).count()
    }

    /// `spec.replicas` through the scale subresource; the Deployment controller scales its
    /// ReplicaSet.
    fn scale_target(&mut self, replicas: u32) {
        let previous = self.spec_replicas;
        if previous == replicas {
            return;
        }
        self.spec_replicas = replicas;
        self.event(loops::Recorded::scaled_replica_set(
            &self.config.names.deployment,
            &self.replica_set,
            previous,
            replicas,
        ));
    }

    /// The ReplicaSet controller: create or delete pods until the live ones match spec (docs/keda-semantics.md §5.2).
    fn reconcile_replica_set(&mut self, now: Nanos) {
        let live = self.live_pods() as u32;
        let rs = self.replica_set.clone();
        if live < self.spec_replicas {
            for _ in live..self.spec_replicas {
                let name = loop {
                    let suffix = kedatui_core::sim::pods::random_suffix(&mut self.rng);
                    let name = format!("{rs}-{}", kedatui_core::sim::pods::suffix_text(suffix));
                    if !self.pods.iter().any(|p| p.name == name) {
                        break name;
                    }
                };
                let node = format!("lab-node-{}", self.serial % 3);
                self.pods.push(LabPod::new(
                    name.clone(),
                    self.serial,
                    now,
                    node,
                    self.backoff,
                ));
                self.serial += 1;
                self.event(loops::Recorded::pod_created(&rs, &name));
            }
        } else if live > self.spec_replicas {
            let mut candidates: Vec<_> = self
                .pods
                .iter()
                .filter(|p| p.deleted_at.is_none())
                .map(|p| (p.deletion_key(), p.name.clone()))
                .collect();
            candidates.sort();
            for (_, name) in candidates
                .into_iter()
                .take((live - self.spec_replicas) as usize)
            {
                self.delete_pod(&name, now);
            }
        }
    }

    fn delete_pod(&mut self, name: &str, now: Nanos) {
        let Some(pod) = self.pods.iter_mut().find(|p| p.name == name) else {
            return;
        };
        pod.deleted_at = Some(now);
        let running = pod.running;
        let rs = self.replica_set.clone();
        self.event(loops::Recorded::pod_deleted(&rs, name));
        if running {
            let killing = loops::Recorded::killing(name, &self.template.container);
            self.event(killing);
            if let Some(r) = self.processes.get(name) {
                #[cfg(unix)]
                worker::signal(r.pid, nix::sys::signal::Signal::SIGTERM);
            }
        }
        // The API server marks the pod Terminating (deletionTimestamp); the kubelet removes it
        // once the container has stopped (`remove_pod`, with grace period 0).
        let grace = self.template.grace_period_seconds.max(1) as u32;
        self.deletions.push((name.to_string(), grace));
    }

    /// The scheduler and the kubelet: stages that are due, receivers to start, exits to show.
    fn advance_pods(&mut self, now: Nanos) {
        let timings = self.config.pod.clone();
        let scheduling = Nanos::from_duration(timings.scheduling);
        let creating = Nanos::from_duration(timings.container_creating);
        let grace = Nanos::from_duration(timings.termination_grace_period);
        let ns = self.ns().to_string();
        let mut events = Vec::new();
        let mut start = Vec::new();
        let mut kill = Vec::new();
        for pod in &mut self.pods {
            if let Some(deleted) = pod.deleted_at {
                if pod.running && now >= deleted + grace {
                    kill.push(pod.name.clone());
                }
                continue;
            }
            match pod.stage {
                Stage::Pending if now >= pod.created + scheduling => {
                    pod.stage = Stage::Creating;
                    events.push(loops::Recorded::scheduled(&ns, &pod.name, &pod.node));
                }
                Stage::Creating if now >= pod.created + scheduling + creating => {
                    start.push(pod.name.clone());
                }
                Stage::Exited
                    if pod
                        .last_exit
                        .as_ref()
                        .is_some_and(|e| now >= e.finished + SHOW_EXIT) =>
                {
                    pod.back_off(now);
                    events.push(loops::Recorded::back_off(
                        &ns,
                        &pod.name,
                        &self.template.container,
                    ));
                }
                Stage::BackOff { until } if now >= until => start.push(pod.name.clone()),
                _ => {}
            }
        }
        for event in events {
            self.event(event);
        }
        for name in kill {
            if let Some(r) = self.processes.get(&name) {
                #[cfg(unix)]
                worker::signal(r.pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
        for name in start {
            self.start_receiver(&name, now);
        }
        // Pods whose container is gone (or never started) leave the API server.
        let gone: Vec<String> = self
            .pods
            .iter()
            .filter(|p| p.deleted_at.is_some() && !p.running)
            .map(|p| p.name.clone())
            .collect();
        for name in gone {
            self.remove_pod(&name);
        }
    }

    fn start_receiver(&mut self, name: &str, now: Nanos) {
        self.generation += 1;
        let generation = self.generation;
        match worker::spawn(&self.worker_env, name, generation, self.worker_tx.clone()) {
            Ok(pid) => {
                self.processes
                    .insert(name.to_string(), Running { pid, generation });
                self.report.receivers_started += 1;
                if let Some(pod) = self.pods.iter_mut().find(|p| p.name == name) {
                    pod.process_started(now);
                }
                let started = loops::Recorded::started(name, &self.template.container);
                self.event(started);
            }
            Err(e) => {
                // The runtime's StartError: the container exits 128 and the pod goes to
                // CrashLoopBackOff like any crash, so the report counts it as one.
                self.report.crashes += 1;
                tracing::warn!(pod = name, error = %e, "lab: cannot start the receiver");
                if let Some(pod) = self.pods.iter_mut().find(|p| p.name == name) {
                    pod.process_started(now);
                    pod.process_exited(now, 128, format!("cannot start the receiver: {e}"));
                }
            }
        }
    }

    fn remove_pod(&mut self, name: &str) {
        self.pods.retain(|p| p.name != name);
        self.written_pods.remove(name);
        if !self.created.remove(name) {
            return;
        }
        self.deletions.retain(|(n, _)| n != name);
        self.deletions.push((name.to_string(), 0));
    }

    /// Queues a controller's event for the next write (the texts are `loops::Recorded`'s,
    /// shared with the simulator).
    fn event(&mut self, recorded: loops::Recorded) {
        self.event_serial += 1;
        let event = objects::event_object(
            &recorded,
            &self.config.names.namespace,
            Timestamp::now(),
            self.event_serial,
        );
        self.pending_events.push(event);
    }

    /// Writes what changed, unless the API server is away and its back-off not over; logs
    /// once when it goes away and once when it is back.
    async fn flush(&mut self) {
        if !self.api.due(Instant::now()) {
            return;
        }
        self.write_changes().await;
        match self.api.settle(Instant::now()) {
            Some(ApiChange::Down(e)) => tracing::warn!(
                error = %e,
                "lab: the API server cannot be reached; retrying with back-off (up to {}s) and writing what changed once it is back",
                API_RETRY_MAX.as_secs()
            ),
            Some(ApiChange::Back(after)) => tracing::info!(
                "lab: the API server is back after {:.1}s",
                after.as_secs_f64()
            ),
            None => {}
        }
    }

    /// Writes what changed: pods, the Deployment, the ScaledObject, the HPA, then the events.
    /// A failed write (API server away) is retried at the next flush.
    async fn write_changes(&mut self) {
        let ns = self.ns().to_string();
        let pods_api: Api<Pod> = Api::namespaced(self.client.clone(), &ns);
        while let Some((name, grace)) = self.deletions.first().cloned() {
            let params = DeleteParams {
                grace_period_seconds: Some(grace),
                ..DeleteParams::default()
            };
            match pods_api.delete(&name, &params).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => {
                    tracing::debug!(pod = name, error = %e, "lab: deleting a pod");
                    self.api.failed(&e);
                    return;
                }
            }
            self.deletions.remove(0);
        }
        for i in 0..self.pods.len() {
            let pod = &self.pods[i];
            if pod.deleted_at.is_some() && !self.created.contains(&pod.name) {
                continue;
            }
            let name = pod.name.clone();
            if !self.created.contains(&name) {
                let object = pods::pod_object(pod, &self.template);
                let Ok(typed) = serde_json::from_value::<Pod>(object) else {
                    continue;
                };
                match pods_api.create(&PostParams::default(), &typed).await {
                    Ok(_) => {
                        self.created.insert(name.clone());
                    }
                    Err(kube::Error::Api(s)) if s.code == 409 => {
                        self.created.insert(name.clone());
                    }
                    Err(e) => {
                        tracing::debug!(pod = name, error = %e, "lab: creating a pod");
                        self.api.failed(&e);
                        return;
                    }
                }
            }
            let status = pods::pod_status(&self.pods[i], &self.template, self.start);
            if self.written_pods.get(&name) == Some(&status) {
                continue;
            }
            let patch = json!({"status": status});
            match pods_api
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    self.written_pods.insert(name, status);
                }
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => {
                    tracing::debug!(pod = name, error = %e, "lab: writing a pod's status");
                    self.api.failed(&e);
                    return;
                }
            }
        }
        // Each stops at the first write the API server could not take.
        self.flush_deployment(&ns).await;
        if self.api.failed.is_none() {
            self.flush_scaled_object(&ns).await;
        }
        if self.api.failed.is_none() {
            self.flush_hpa(&ns).await;
        }
        if self.api.failed.is_none() {
            self.flush_events(&ns).await;
        }
    }

    async fn flush_deployment(&mut self, ns: &str) {
        let status = objects::deployment_status(&self.pods);
        let want = (self.spec_replicas, status);
        if self.written_deployment.as_ref() == Some(&want) {
            return;
        }
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
        let name = &self.config.names.deployment;
        let spec = json!({"spec": {"replicas": want.0}});
        if self.written_deployment.as_ref().map(|w| w.0) != Some(want.0)
            && let Err(e) = api
                .patch(name, &PatchParams::default(), &Patch::Merge(&spec))
                .await
        {
            tracing::debug!(error = %e, "lab: scaling the Deployment");
            self.api.failed(&e);
            return;
        }
        let patch = json!({"status": want.1});
        match api
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => self.written_deployment = Some(want),
            Err(e) => {
                tracing::debug!(error = %e, "lab: writing the Deployment's status");
                self.api.failed(&e);
            }
        }
    }

    async fn flush_scaled_object(&mut self, ns: &str) {
        let view = self.keda.view(&self.config, |t| self.at(t));
        let last_active = self.keda.last_active.map(|t| self.at(t));
        let status = objects::scaled_object_status(&self.config, &view, last_active);
        if self.written_so.as_ref() == Some(&status) {
            return;
        }
        let api: Api<ScaledObject> = Api::namespaced(self.client.clone(), ns);
        let patch = json!({"status": status});
        match api
            .patch_status(
                &self.config.names.scaled_object,
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
        {
            Ok(_) => self.written_so = Some(status),
            Err(e) => {
                tracing::debug!(error = %e, "lab: writing the ScaledObject's status");
                self.api.failed(&e);
            }
        }
    }

    async fn flush_hpa(&mut self, ns: &str) {
        let view = self.hpa.view(&self.config, |t| self.at(t));
        let status = objects::hpa_status(&self.config, &view, self.at(Nanos::ZERO));
        if self.written_hpa.as_ref() == Some(&status) {
            return;
        }
        let api: Api<HorizontalPodAutoscaler> = Api::namespaced(self.client.clone(), ns);
        let patch = json!({"status": status});
        match api
            .patch_status(
                &self.config.names.hpa(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
        {
            Ok(_) => self.written_hpa = Some(status),
            Err(e) => {
                tracing::debug!(error = %e, "lab: writing the HPA's status");
                self.api.failed(&e);
            }
        }
    }

    async fn flush_events(&mut self, ns: &str) {
        if !self.write_events {
            self.pending_events.clear();
        }
        if self.pending_events.is_empty() {
            return;
        }
        let api: Api<KubeEvent> = Api::namespaced(self.client.clone(), ns);
        let events = std::mem::take(&mut self.pending_events);
        let mut rest = events.into_iter();
        for event in rest.by_ref() {
            let Ok(typed) = serde_json::from_value::<KubeEvent>(event.clone()) else {
                continue;
            };
            match api.create(&PostParams::default(), &typed).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code < 500 => {
                    tracing::debug!(error = %s.message, "lab: an event was refused");
                }
                Err(e) => {
                    tracing::debug!(error = %e, "lab: writing an event");
                    self.api.failed(&e);
                    self.pending_events.push(event);
                    break;
                }
            }
        }
        self.pending_events.extend(rest);
    }

    /// Shutting the lab down: SIGTERM every receiver, wait for them (SIGKILL at the grace
    /// period), remove the pods and scale the Deployment to 0.
    async fn stop_all(&mut self) {
        let now = self.now();
        let names: Vec<String> = self
            .pods
            .iter()
            .filter(|p| p.deleted_at.is_none())
            .map(|p| p.name.clone())
            .collect();
        self.spec_replicas = 0;
        for name in names {
            self.delete_pod(&name, now);
        }
        let deadline = Instant::now()
            + Nanos::from_duration(self.config.pod.termination_grace_period).to_std()
            + Duration::from_secs(1);
        while !self.processes.is_empty() && Instant::now() < deadline {
            match tokio::time::timeout(TICK, self.worker_rx.recv()).await {
                Ok(Some(event)) => self.on_worker(event),
                Ok(None) => break,
                Err(_) => {
                    let now = self.now();
                    self.advance_pods(now);
                }
            }
        }
        let now = self.now();
        self.advance_pods(now);
        // The last writes are tried whatever the back-off says.
        self.api.retry_at = None;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.flush()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable() -> kube::Error {
        kube::Error::Service("connection refused".into())
    }

    #[test]
    fn an_unreachable_api_server_is_retried_with_back_off_and_logged_twice() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut api = ApiHealth::default();
        assert!(api.due(t0));
        assert_eq!(api.settle(t0), None, "all well: nothing to say");
        api.failed(&unreachable());
        assert!(matches!(api.settle(t0), Some(ApiChange::Down(_))));
        assert!(
            !api.due(t0 + ms(199)),
            "no write before the back-off is over"
        );
        let mut at = t0 + ms(200);
        let mut waits = Vec::new();
        for _ in 0..6 {
            assert!(api.due(at));
            api.failed(&unreachable());
            assert_eq!(api.settle(at), None, "still down: said once already");
            let next = api.retry_at.unwrap();
            waits.push(next - at);
            at = next;
        }
        assert_eq!(
            waits,
            [ms(400), ms(800), ms(1600), ms(2000), ms(2000), ms(2000)]
        );
        assert_eq!(
            api.settle(at + ms(500)),
            Some(ApiChange::Back(at + ms(500) - t0))
        );
        assert!(api.due(at + ms(500)));
        // A refusal (4xx) is the API server answering.
        api.failed(&kube::Error::Api(
            kube::core::Status::failure("forbidden", "Forbidden")
                .with_code(403)
                .into(),
        ));
        assert_eq!(api.settle(at + ms(600)), None);
    }
}
