//! The live cluster source: kube-rs watchers + reflectors (with [`with_retry`]) for the pods,
//! the Deployment, the HPA, the ScaledObject and the namespace's Events. They report the same
//! `Event::Source(SourceEvent::…)` the simulator sends; pods always as a full snapshot of the
//! reflector's store, so a re-list (after a 410 or a restart) leaves no ghost rows.

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event as KubeEvent, Pod};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;

use super::discovery::{Target, deployment_name, discover};
use super::errors::{Access, classify_watcher};
use super::rows;
use crate::crd::ScaledObject;
use crate::event::{
    ClusterResource, ErrorKind, FromSource, Health, SourceError, SourceEvent, SourceKind,
};
use crate::model::{ClusterEvent, DeploymentView, PodView};

/// Everything `run_cluster_source` needs: a connected client and what to follow.
#[derive(Clone)]
pub struct ClusterConfig {
    pub client: Client,
    pub namespace: String,
    pub scaled_object: String,
    /// Overrides the pod selector taken from the Deployment.
    pub selector: Option<String>,
}

impl Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("namespace", &self.namespace)
            .field("scaled_object", &self.scaled_object)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

/// How long a transport failure may last after the cluster was reached before the header says
/// "down" instead of "reconnecting".
const UNREACHABLE_GRACE: Duration = Duration::from_secs(10);

/// Looking up the ScaledObject and its Deployment may take this long; an API server that
/// accepts connections and never answers then says so (the same limit as `kedatui doctor`).
pub const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// While the watches look healthy the API server is still asked this often whether it answers:
/// a server shutting down gracefully keeps its open watches (silent) for up to 60 s while it
/// refuses new connections, and the watches alone would say nothing.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How long one probe (`GET /version`) may take before the server counts as not answering.
/// With [`PROBE_EVERY`], the header turns within 5 s of the server going away.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The reason shown when the API server accepts a request and answers nothing within `limit`.
pub fn no_answer(limit: Duration, doing: &str) -> SourceError {
    SourceError {
        kind: ErrorKind::Timeout,
        message: format!(
            "the API server gave no answer within {}s ({doing})",
            limit.as_secs()
        ),
    }
}

/// Watch the cluster until `events` is closed. Never returns early on errors: they are reported
/// as `Health` and retried, so the queue side of the console keeps working without a cluster.
pub async fn run_cluster_source<E: FromSource>(cfg: ClusterConfig, events: UnboundedSender<E>) {
    let mut reporter = HealthReporter {
        events: events.clone(),
        last: None,
    };
    let mut delay = Duration::from_millis(500);
    // Event uid → resourceVersion last shown, kept across re-watches so a re-list after an
    // outage does not repeat events.
    let mut shown_events: HashMap<String, String> = HashMap::new();
    loop {
        reporter.set(Health::Reconnecting(format!(
            "looking up ScaledObject {}/{}",
            cfg.namespace, cfg.scaled_object
        )));
        let discovery = tokio::time::timeout(
            DISCOVERY_TIMEOUT,
            discover(
                &cfg.client,
                &cfg.namespace,
                &cfg.scaled_object,
                cfg.selector.as_deref(),
            ),
        );
        let discovered = tokio::select! {
            d = discovery => d.unwrap_or_else(|_| Err(no_answer(DISCOVERY_TIMEOUT, &format!(
                "looking up ScaledObject {}/{}", cfg.namespace, cfg.scaled_object
            )))),
            _ = events.closed() => return,
        };
        match discovered {
            Ok(target) => {
                delay = Duration::from_millis(500);
                tracing::info!(?target, "watching the cluster");
                if let Exit::Closed = watch_target(
                    &cfg.client,
                    &target,
                    &events,
                    &mut reporter,
                    &mut shown_events,
                )
                .await
                {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cluster discovery failed");
                reporter.set(Health::Down(error));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = events.closed() => return,
                }
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

struct HealthReporter<E> {
    events: UnboundedSender<E>,
    last: Option<Health>,
}

impl<E: FromSource> HealthReporter<E> {
    fn set(&mut self, health: Health) {
        if self.last.as_ref() != Some(&health) {
            self.last = Some(health.clone());
            let _ = self.events.send(E::from(SourceEvent::Health {
                source: SourceKind::Cluster,
                health,
            }));
        }
    }
}

enum Exit {
    Closed,
    /// The ScaledObject went away or now targets something else.
    Rediscover,
}

/// The watched kinds, in the order their states are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watched {
    Pods,
    Deployment,
    Hpa,
    ScaledObject,
    Events,
}

const WATCHED: [Watched; 5] = [
    Watched::Pods,
    Watched::Deployment,
    Watched::Hpa,
    Watched::ScaledObject,
    Watched::Events,
];

/// Where one watcher is.
#[derive(Clone, Debug, PartialEq)]
pub enum WatchState {
    /// (Re-)listing: started, or after a 410 / a lost watch.
    Listing,
    Synced,
    Failed {
        error: SourceError,
        since: Instant,
    },
}

/// The header's view of the watchers that make the cluster's health: the pods, the Deployment,
/// the HPA and the ScaledObject (the Events API is optional and has only its own health, see
/// [`resource_health`]). Errors that need the presenter's action first (RBAC, KEDA missing,
/// credentials), then transport trouble (reconnecting for a grace period once the cluster had
/// been reached), then (re-)lists.
pub fn aggregate(states: &[(Watched, WatchState)], ever_synced: bool, now: Instant) -> Health {
    let states: Vec<&(Watched, WatchState)> = states
        .iter()
        .filter(|(w, _)| *w != Watched::Events)
        .collect();
    let failures = states.iter().filter_map(|(w, s)| match s {
        WatchState::Failed { error, since } => Some((w, error, since)),
        _ => None,
    });
    let actionable = |k: &ErrorKind| {
        matches!(
            k,
            ErrorKind::Forbidden { .. }
                | ErrorKind::KedaNotInstalled
                | ErrorKind::Unauthorized
                | ErrorKind::NotFound
        )
    };
    if let Some((_, error, _)) = failures.clone().find(|(_, e, _)| actionable(&e.kind)) {
        return Health::Down(error.clone());
    }
    if let Some((_, error, since)) = failures.clone().min_by_key(|(_, _, since)| **since) {
        if !ever_synced || now.duration_since(*since) >= UNREACHABLE_GRACE {
            return Health::Down(error.clone());
        }
        return Health::Reconnecting(format!("{}; retrying", error.message));
    }
    let listing: Vec<&str> = states
        .iter()
        .filter(|(_, s)| *s == WatchState::Listing)
        .map(|(w, _)| match w {
            Watched::Pods => "pods",
            Watched::Deployment => "the Deployment",
            Watched::Hpa => "the HPA",
            Watched::ScaledObject => "the ScaledObject",
            Watched::Events => "events",
        })
        .collect();
    if !listing.is_empty() {
        // After the first sync a list means a watch expired (410) or the server lost our place.
        let verb = if ever_synced { "re-listing" } else { "listing" };
        return Health::Reconnecting(format!("{verb} {}", listing.join(", ")));
    }
    Health::Connected
}

/// The cluster's health from the watchers and the last probe of the API server: a probe that
/// failed (refused, or no answer) makes the header say so even while every watch still looks
/// synced, since a draining server holds its watches open and silent.
pub fn health(
    states: &[(Watched, WatchState)],
    probe: Option<&(SourceError, Instant)>,
    ever_synced: bool,
    now: Instant,
) -> Health {
    let watchers = aggregate(states, ever_synced, now);
    match (probe, &watchers) {
        (Some((error, since)), Health::Connected | Health::Reconnecting(_)) => {
            if !ever_synced || now.duration_since(*since) >= UNREACHABLE_GRACE {
                Health::Down(error.clone())
            } else {
                Health::Reconnecting(format!("{}; retrying", error.message))
            }
        }
        _ => watchers,
    }
}

/// One watcher's own health, for `SourceEvent::ResourceHealth`.
pub fn resource_health(state: &WatchState) -> Health {
    match state {
        WatchState::Listing => Health::Reconnecting("listing".into()),
        WatchState::Synced => Health::Connected,
        WatchState::Failed { error, .. } => Health::Down(error.clone()),
    }
}

impl From<Watched> for ClusterResource {
    fn from(w: Watched) -> Self {
        match w {
            Watched::Pods => ClusterResource::Pods,
            Watched::Deployment => ClusterResource::Deployment,
            Watched::Hpa => ClusterResource::Hpa,
            Watched::ScaledObject => ClusterResource::ScaledObject,
            Watched::Events => ClusterResource::Events,
        }
    }
}

/// Back-off between a watcher's retries, smallest first: kube-rs's `default_backoff` (0.8 s
/// doubling to 30 s, reset only by a success) left the quiet Deployment, HPA and ScaledObject
/// watchers 45–60 s behind after an outage, because nothing succeeds on them to reset it.
pub const RETRY_MIN: Duration = Duration::from_millis(250);
/// The longest wait between retries, so every watcher is back within this of the API server
/// answering again (five watchers at one request per 2 s is no load for an API server).
pub const RETRY_MAX: Duration = Duration::from_secs(2);

/// A watcher stream with our back-off: a 410 (the watch's resourceVersion is gone; the watcher
/// has already dropped it) re-lists at once; other errors wait `RETRY_MIN` doubling to
/// `RETRY_MAX`; any success resets it.
pub fn with_retry<T, S>(stream: S) -> impl Stream<Item = Result<T, watcher::Error>> + Send
where
    S: Stream<Item = Result<T, watcher::Error>> + Send + 'static,
    T: Send + 'static,
{
    futures::stream::unfold(
        (Box::pin(stream), None::<Duration>, RETRY_MIN),
        |(mut stream, pause, mut step)| async move {
            if let Some(pause) = pause {
                tokio::time::sleep(pause).await;
            }
            let item = stream.next().await?;
            let pause = match &item {
                Ok(_) => {
                    step = RETRY_MIN;
                    None
                }
                Err(watcher::Error::WatchError(status)) if status.code == 410 => None,
                Err(_) => {
                    let pause = step;
                    step = (step * 2).min(RETRY_MAX);
                    Some(pause)
                }
            };
            Some((item, (stream, pause, step)))
        },
    )
}

/// One watcher step, stripped to what the loop needs.
enum Step {
    Init,
    InitApply,
    InitDone,
    Changed,
}

struct Item {
    watched: Watched,
    result: Result<(Step, Option<KubeEvent>), watcher::Error>,
}

fn step_of<K>(e: &watcher::Event<K>) -> Step {
    match e {
        watcher::Event::Init => Step::Init,
        watcher::Event::InitApply(_) => Step::InitApply,
        watcher::Event::InitDone => Step::InitDone,
        watcher::Event::Apply(_) | watcher::Event::Delete(_) => Step::Changed,
    }
}

fn reflected<K>(
    watched: Watched,
    api: Api<K>,
    config: watcher::Config,
) -> (Store<K>, impl Stream<Item = Item> + Send)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send + Sync,
{
    let (store, writer) = reflector::store();
    let stream = with_retry(watcher(api, config))
        .reflect(writer)
        .map(move |r| Item {
            watched,
            result: r.map(|e| (step_of(&e), None)),
        });
    (store, stream)
}

fn by_name(name: &str) -> watcher::Config {
    watcher::Config::default().fields(&format!("metadata.name={name}"))
}

/// Events about the demo's objects: the ScaledObject, its HPA, the Deployment, its ReplicaSets
/// and pods (`<deployment>-<hash>[-<suffix>]`).
pub fn is_about(target: &Target, kind: &str, name: &str) -> bool {
    let owned = name
        .strip_prefix(&target.deployment)
        .is_some_and(|rest| rest.starts_with('-'));
    match kind {
        "ScaledObject" => name == target.scaled_object,
        "HorizontalPodAutoscaler" => name == target.hpa,
        "Deployment" => name == target.deployment,
        "ReplicaSet" | "Pod" => owned,
        _ => false,
    }
}

/// The pods as rows, oldest first (creation order reads better than names while scaling).
/// Rows are cached by resourceVersion: with 500 pods churning, a snapshot re-derives only the
/// pods that changed.
#[derive(Debug, Default)]
pub struct PodRows {
    /// name → (resourceVersion, row, the snapshot that last saw the pod).
    cache: HashMap<String, (String, PodView, u64)>,
    snapshot: u64,
}

impl PodRows {
    pub fn snapshot(&mut self, pods: &[std::sync::Arc<Pod>]) -> Vec<PodView> {
        self.snapshot += 1;
        let mut rows = Vec::with_capacity(pods.len());
        for pod in pods {
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            let rv = pod.metadata.resource_version.as_deref().unwrap_or_default();
            match self.cache.get_mut(name) {
                Some((cached_rv, row, seen)) => {
                    if cached_rv != rv || rv.is_empty() {
                        *cached_rv = rv.to_string();
                        *row = rows::pod_view(pod);
                    }
                    *seen = self.snapshot;
                    rows.push(row.clone());
                }
                None => {
                    let row = rows::pod_view(pod);
                    rows.push(row.clone());
                    self.cache
                        .insert(name.to_string(), (rv.to_string(), row, self.snapshot));
                }
            }
        }
        // Pods no longer in the store leave the cache too.
        let current = self.snapshot;
        self.cache.retain(|_, (_, _, seen)| *seen == current);
        rows.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)));
        rows
    }
}

/// The watchers' stores, read when their watcher says something changed.
struct Stores {
    pods: Store<Pod>,
    deployments: Store<Deployment>,
    hpas: Store<HorizontalPodAutoscaler>,
    scaled_objects: Store<ScaledObject>,
}

type Batches = futures::stream::ReadyChunks<
    futures::stream::SelectAll<futures::stream::BoxStream<'static, Item>>,
>;

/// Start the five watchers on `target`: their stores, and one stream of their steps.
fn open_watches(client: &Client, target: &Target) -> (Stores, Batches) {
    let ns = target.namespace.as_str();
    let (pods, pod_stream) = reflected(
        Watched::Pods,
        Api::<Pod>::namespaced(client.clone(), ns),
        watcher::Config::default().labels(&target.pod_selector),
    );
    let (deployments, deployment_stream) = reflected(
        Watched::Deployment,
        Api::<Deployment>::namespaced(client.clone(), ns),
        by_name(&target.deployment),
    );
    let (hpas, hpa_stream) = reflected(
        Watched::Hpa,
        Api::<HorizontalPodAutoscaler>::namespaced(client.clone(), ns),
        by_name(&target.hpa),
    );
    let (scaled_objects, so_stream) = reflected(
        Watched::ScaledObject,
        Api::<ScaledObject>::namespaced(client.clone(), ns),
        by_name(&target.scaled_object),
    );
    let event_stream = with_retry(watcher(
        Api::<KubeEvent>::namespaced(client.clone(), ns),
        watcher::Config::default(),
    ))
    .map(|r| Item {
        watched: Watched::Events,
        result: r.map(|e| {
            let step = step_of(&e);
            let object = match e {
                watcher::Event::Apply(ev) | watcher::Event::InitApply(ev) => Some(ev),
                _ => None,
            };
            (step, object)
        }),
    });
    let batches = futures::stream::select_all([
        pod_stream.boxed(),
        deployment_stream.boxed(),
        hpa_stream.boxed(),
        so_stream.boxed(),
        event_stream.boxed(),
    ])
    // Everything already waiting is applied before one snapshot goes out: a burst of 500 pod
    // changes costs one Pods event, not 500.
    .ready_chunks(1024);
    let stores = Stores {
        pods,
        deployments,
        hpas,
        scaled_objects,
    };
    (stores, batches)
}

/// Which stores a batch changed, so each view goes out once per batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Dirty {
    pods: bool,
    deployment: bool,
    hpa: bool,
    scaled_object: bool,
}

impl Dirty {
    fn mark(&mut self, watched: Watched) {
        match watched {
            Watched::Pods => self.pods = true,
            Watched::Deployment => self.deployment = true,
            Watched::Hpa => self.hpa = true,
            Watched::ScaledObject => self.scaled_object = true,
            // Events go out one by one as they come, not as a store snapshot.
            Watched::Events => {}
        }
    }
}

/// What one batch of watcher steps changed.
#[derive(Default)]
struct Applied {
    dirty: Dirty,
    /// New events about the demo's objects, not shown before.
    events: Vec<ClusterEvent>,
    /// A watcher got 410 Expired in this batch: its re-list is reported at once.
    relisting: bool,
}

/// The watch loop's own state: where each watcher is, the API-server probe, and what was last
/// reported.
struct WatchLoop {
    states: Vec<(Watched, WatchState)>,
    ever_synced: bool,
    resource_health: HashMap<ClusterResource, Health>,
    pod_rows: PodRows,
    /// The probe runs beside the watches (never blocking them); its last failure and since when.
    probe: Option<futures::future::BoxFuture<'static, Result<(), SourceError>>>,
    probe_failed: Option<(SourceError, Instant)>,
    last_probe: Instant,
}

impl WatchLoop {
    fn new() -> Self {
        Self {
            states: WATCHED.iter().map(|w| (*w, WatchState::Listing)).collect(),
            ever_synced: false,
            resource_health: HashMap::new(),
            pod_rows: PodRows::default(),
            probe: None,
            probe_failed: None,
            last_probe: Instant::now(),
        }
    }

    /// The cluster's health and each resource's, sent where they changed.
    fn report<E: FromSource>(
        &mut self,
        reporter: &mut HealthReporter<E>,
        events: &UnboundedSender<E>,
    ) {
        reporter.set(health(
            &self.states,
            self.probe_failed.as_ref(),
            self.ever_synced,
            Instant::now(),
        ));
        report_resources(&self.states, &mut self.resource_health, events);
    }

    /// Each second while something failed (to notice the server back at once), every
    /// `PROBE_EVERY` otherwise: start a probe.
    fn on_tick(&mut self, client: &Client) {
        let failing = self.probe_failed.is_some() || has_transport_failures(&self.states);
        if self.probe.is_none() && (failing || self.last_probe.elapsed() >= PROBE_EVERY) {
            self.last_probe = Instant::now();
            self.probe = Some(Box::pin(probe_api_server(client.clone())));
        }
    }

    fn on_probe(&mut self, answer: Result<(), SourceError>) -> Option<Exit> {
        self.probe = None;
        match answer {
            Ok(()) => {
                // The API server answers again after a failure: start every watcher afresh, so
                // each re-lists now instead of resuming at its next retry (a watcher can sit in
                // a retry of its own, a held watch is frozen, and a server with other state
                // leaves ghosts).
                if self.probe_failed.is_some() || has_transport_failures(&self.states) {
                    tracing::info!("the API server answers again: re-listing every watch");
                    return Some(Exit::Rediscover);
                }
            }
            Err(error) => {
                tracing::debug!(%error, "API server probe failed");
                let since = self
                    .probe_failed
                    .as_ref()
                    .map_or_else(Instant::now, |(_, s)| *s);
                self.probe_failed = Some((error, since));
            }
        }
        None
    }

    /// One watcher step: its watcher's state, what it dirtied, and a new event if it carries one.
    fn apply(
        &mut self,
        item: Item,
        target: &Target,
        shown_events: &mut HashMap<String, String>,
        applied: &mut Applied,
    ) {
        let index = WATCHED.iter().position(|w| *w == item.watched).unwrap_or(0);
        let state = &mut self.states[index].1;
        match item.result {
            Ok((step, object)) => {
                match step {
                    Step::Init | Step::InitApply => *state = WatchState::Listing,
                    Step::InitDone | Step::Changed => {
                        *state = WatchState::Synced;
                        applied.dirty.mark(item.watched);
                    }
                }
                if let Some(ev) = object {
                    let (kind, name) = (
                        ev.involved_object.kind.as_deref().unwrap_or(""),
                        ev.involved_object.name.as_deref().unwrap_or(""),
                    );
                    let uid = ev.metadata.uid.clone().unwrap_or_default();
                    let rv = ev.metadata.resource_version.clone().unwrap_or_default();
                    if is_about(target, kind, name) && shown_events.get(&uid) != Some(&rv) {
                        shown_events.insert(uid, rv);
                        applied.events.push(rows::cluster_event_v1(&ev));
                    }
                }
            }
            // 410 Expired: the watcher re-lists at once ([`with_retry`]); that is a re-list, not
            // a fault.
            Err(watcher::Error::WatchError(status)) if status.code == 410 => {
                *state = WatchState::Listing;
                applied.relisting = true;
            }
            Err(err) => {
                let error = classify_watcher(
                    &err,
                    access(item.watched, target, "list"),
                    access(item.watched, target, "watch"),
                );
                tracing::debug!(watched = ?item.watched, %error, "watcher error");
                let since = match state {
                    WatchState::Failed { since, .. } => *since,
                    _ => Instant::now(),
                };
                *state = WatchState::Failed { error, since };
            }
        }
    }

    /// Every watcher that makes the cluster's health has listed at least once.
    fn note_synced(&mut self) {
        if self
            .states
            .iter()
            .all(|(w, s)| *w == Watched::Events || *s == WatchState::Synced)
        {
            self.ever_synced = true;
        }
    }
}

/// Send the views a batch dirtied, then its new events (oldest first). `Some` ends the watch:
/// the console has gone, or the ScaledObject went away or now targets another Deployment.
fn send_views<E: FromSource>(
    stores: &Stores,
    pod_rows: &mut PodRows,
    target: &Target,
    applied: Applied,
    events: &UnboundedSender<E>,
) -> Option<Exit> {
    let send = |e: SourceEvent| events.send(E::from(e)).is_ok();
    let ns = target.namespace.as_str();
    let dirty = applied.dirty;
    if dirty.pods && !send(SourceEvent::Pods(pod_rows.snapshot(&stores.pods.state()))) {
        return Some(Exit::Closed);
    }
    if dirty.deployment {
        let view = stores
            .deployments
            .get(&ObjectRef::new(&target.deployment).within(ns))
            .map(|d| rows::deployment_view(&d))
            .unwrap_or_else(|| DeploymentView {
                name: target.deployment.clone(),
                ..DeploymentView::default()
            });
        if !send(SourceEvent::Deployment(view)) {
            return Some(Exit::Closed);
        }
    }
    if dirty.hpa {
        let view = stores
            .hpas
            .get(&ObjectRef::new(&target.hpa).within(ns))
            .map(|h| Box::new(rows::hpa_view(&h)));
        if !send(SourceEvent::Hpa(view)) {
            return Some(Exit::Closed);
        }
    }
    if dirty.scaled_object {
        match stores
            .scaled_objects
            .get(&ObjectRef::new(&target.scaled_object).within(ns))
        {
            Some(so) => {
                if !send(SourceEvent::ScaledObject(Box::new(
                    rows::scaled_object_view(&so),
                ))) {
                    return Some(Exit::Closed);
                }
                if deployment_name(&so).ok().as_deref() != Some(target.deployment.as_str()) {
                    return Some(Exit::Rediscover);
                }
            }
            // Deleted: discovery says what is missing and waits for it to come back.
            None => return Some(Exit::Rediscover),
        }
    }
    let mut new_events = applied.events;
    new_events.sort_by_key(|e| e.at);
    for e in new_events {
        if !send(SourceEvent::ClusterEvent(e)) {
            return Some(Exit::Closed);
        }
    }
    None
}

async fn watch_target<E: FromSource>(
    client: &Client,
    target: &Target,
    events: &UnboundedSender<E>,
    reporter: &mut HealthReporter<E>,
    shown_events: &mut HashMap<String, String>,
) -> Exit {
    let (stores, mut batches) = open_watches(client, target);
    let mut state = WatchLoop::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let batch = tokio::select! {
            batch = batches.next() => match batch {
                Some(batch) => batch,
                None => return Exit::Rediscover,
            },
            _ = tick.tick() => {
                state.on_tick(client);
                state.report(reporter, events);
                continue;
            }
            answer = async { state.probe.as_mut().expect("guarded").await }, if state.probe.is_some() => {
                if let Some(exit) = state.on_probe(answer) {
                    return exit;
                }
                state.report(reporter, events);
                continue;
            }
            _ = events.closed() => return Exit::Closed,
        };
        let mut applied = Applied::default();
        for item in batch {
            state.apply(item, target, shown_events, &mut applied);
            if std::mem::take(&mut applied.relisting) {
                // Said now, not after the batch: the list may be in the same batch.
                state.report(reporter, events);
            }
        }
        state.note_synced();
        if let Some(exit) = send_views(&stores, &mut state.pod_rows, target, applied, events) {
            return exit;
        }
        state.report(reporter, events);
    }
}

/// Send each watcher's health when it changed.
fn report_resources<E: FromSource>(
    states: &[(Watched, WatchState)],
    last: &mut HashMap<ClusterResource, Health>,
    events: &UnboundedSender<E>,
) {
    for (watched, state) in states {
        let resource = ClusterResource::from(*watched);
        let health = resource_health(state);
        if last.get(&resource) != Some(&health) {
            last.insert(resource, health.clone());
            let _ = events.send(E::from(SourceEvent::ResourceHealth { resource, health }));
        }
    }
}

/// Whether a watcher failed on the transport (refused, reset, timed out): only the API
/// server answering again (the probe) ends that early. Other failures (e.g. an object that
/// does not decode) stay until the watcher itself succeeds.
fn has_transport_failures(states: &[(Watched, WatchState)]) -> bool {
    states.iter().any(|(_, s)| {
        matches!(s, WatchState::Failed { error, .. }
            if matches!(error.kind, ErrorKind::Unreachable | ErrorKind::Timeout))
    })
}

/// Ask the API server directly whether it answers (`GET /version`, under [`PROBE_TIMEOUT`]):
/// a watcher cannot tell us it has reconnected until something changes, nor that its server
/// has gone while it holds the watch open.
async fn probe_api_server(client: Client) -> Result<(), SourceError> {
    match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
        // Any HTTP answer (even a 403) means the server is there; the watches say the rest.
        Ok(Ok(_)) | Ok(Err(kube::Error::Api(_))) => Ok(()),
        Ok(Err(e)) => Err(super::errors::classify(&e, Access::version())),
        Err(_) => Err(no_answer(PROBE_TIMEOUT, "GET /version")),
    }
}

fn access(watched: Watched, target: &Target, verb: &'static str) -> Access {
    let ns = target.namespace.as_str();
    match watched {
        Watched::Pods => Access::pods(verb, ns),
        Watched::Deployment => Access::deployments(verb, ns, None),
        Watched::Hpa => Access::hpas(verb, ns, None),
        Watched::ScaledObject => Access::scaled_objects(verb, ns, None),
        Watched::Events => Access::events(verb, ns),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::errors::{forbidden, keda_not_installed, unreachable_error};

    type States = Vec<(Watched, WatchState)>;

    fn target() -> Target {
        Target {
            namespace: "keda-demo".into(),
            scaled_object: "kedasbreceiver-scaler".into(),
            deployment: "kedasbreceiver".into(),
            pod_selector: "app=kedasbreceiver".into(),
            hpa: "keda-hpa-kedasbreceiver-scaler".into(),
        }
    }

    fn pod(name: &str, rv: &str, phase: &str, created: &str) -> std::sync::Arc<Pod> {
        std::sync::Arc::new(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "resourceVersion": rv, "creationTimestamp": created},
                "spec": {"containers": [{"name": "receiver"}]}, "status": {"phase": phase}}))
            .unwrap(),
        )
    }

    #[test]
    fn pod_rows_follow_the_store_oldest_first() {
        let mut rows = PodRows::default();
        let a = pod("a", "1", "Pending", "2026-11-27T21:00:02Z");
        let b = pod("b", "2", "Pending", "2026-11-27T21:00:01Z");
        let names = |v: &[PodView]| {
            v.iter()
                .map(|p| format!("{}={}", p.name, p.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&rows.snapshot(&[a.clone(), b])),
            ["b=Pending", "a=Pending"]
        );
        // b changed (new resourceVersion) and a is unchanged; then b is gone: no ghost.
        let b2 = pod("b", "3", "Running", "2026-11-27T21:00:01Z");
        assert_eq!(
            names(&rows.snapshot(&[a.clone(), b2])),
            ["b=Running", "a=Pending"]
        );
        assert_eq!(names(&rows.snapshot(&[a])), ["a=Pending"]);
        assert_eq!(rows.cache.len(), 1);
    }

    #[test]
    fn events_are_kept_when_they_concern_the_demo_objects() {
        // docs/keda-semantics.md §1.5 (KEDA on the ScaledObject), §4.6 (HPA), §5.2 (Deployment, ReplicaSet, pods).
        let cases = [
            ("ScaledObject", "kedasbreceiver-scaler", true),
            ("ScaledObject", "other-scaler", false),
            (
                "HorizontalPodAutoscaler",
                "keda-hpa-kedasbreceiver-scaler",
                true,
            ),
            ("Deployment", "kedasbreceiver", true),
            ("Deployment", "kedasbreceiver2", false),
            ("ReplicaSet", "kedasbreceiver-7d9f8b6c5d", true),
            ("Pod", "kedasbreceiver-7d9f8b6c5d-x2x9q", true),
            ("Pod", "kedasbreceiverx-1", false),
            ("Pod", "web-1", false),
            ("Node", "kedasbreceiver-1", false),
        ];
        for (kind, name, want) in cases {
            assert_eq!(is_about(&target(), kind, name), want, "{kind}/{name}");
        }
    }

    #[test]
    fn health_puts_actionable_errors_first_then_transport_then_relists() {
        let now = Instant::now();
        let earlier = now - Duration::from_secs(3);
        let long_ago = now - Duration::from_secs(30);
        let failed = |e: SourceError, since| WatchState::Failed { error: e, since };
        let all = |s: WatchState| -> States { WATCHED.iter().map(|w| (*w, s.clone())).collect() };
        let with = |w: Watched, s: WatchState| -> States {
            WATCHED
                .iter()
                .map(|x| {
                    (
                        *x,
                        if *x == w {
                            s.clone()
                        } else {
                            WatchState::Synced
                        },
                    )
                })
                .collect()
        };
        let rbac = forbidden(&Access::pods("list", "keda-demo"));
        let events_rbac = forbidden(&Access::events("watch", "keda-demo"));
        let events_404 = SourceError {
            kind: ErrorKind::NotFound,
            message: "events not found".into(),
        };
        let cut = unreachable_error("Connection refused");
        let mut mixed = with(Watched::Pods, failed(cut.clone(), earlier));
        mixed[3].1 = failed(keda_not_installed(), earlier);
        let cases: Vec<(&str, States, bool, Health)> = vec![
            (
                "all synced",
                all(WatchState::Synced),
                true,
                Health::Connected,
            ),
            (
                "first list",
                all(WatchState::Listing),
                false,
                Health::Reconnecting(
                    "listing pods, the Deployment, the HPA, the ScaledObject".into(),
                ),
            ),
            (
                "re-list after 410",
                with(Watched::Pods, WatchState::Listing),
                true,
                Health::Reconnecting("re-listing pods".into()),
            ),
            // #10.10: the Events API is optional; forbidden or not served, the cluster is ok.
            (
                "events forbidden",
                with(Watched::Events, failed(events_rbac.clone(), earlier)),
                true,
                Health::Connected,
            ),
            (
                "events not served, never synced",
                with(Watched::Events, failed(events_404.clone(), earlier)),
                false,
                Health::Connected,
            ),
            (
                "events listing",
                with(Watched::Events, WatchState::Listing),
                true,
                Health::Connected,
            ),
            (
                "rbac",
                with(Watched::Pods, failed(rbac.clone(), earlier)),
                true,
                Health::Down(rbac),
            ),
            (
                "keda beats transport",
                mixed,
                true,
                Health::Down(keda_not_installed()),
            ),
            (
                "restart in progress",
                with(Watched::Pods, failed(cut.clone(), earlier)),
                true,
                Health::Reconnecting(format!("{}; retrying", cut.message)),
            ),
            (
                "never reached",
                with(Watched::Pods, failed(cut.clone(), earlier)),
                false,
                Health::Down(cut.clone()),
            ),
            (
                "unreachable too long",
                with(Watched::Pods, failed(cut.clone(), long_ago)),
                true,
                Health::Down(cut.clone()),
            ),
        ];
        for (case, states, ever_synced, want) in cases {
            assert_eq!(aggregate(&states, ever_synced, now), want, "{case}");
        }
    }

    /// Issue 18 item 9: held watches all look synced; a failed probe of the API server still
    /// turns the cluster `reconnecting`, then `down` after the grace period; actionable
    /// errors from the watchers keep their place first.
    #[test]
    fn a_failed_probe_overrides_synced_watches() {
        let now = Instant::now();
        let synced: States = WATCHED.iter().map(|w| (*w, WatchState::Synced)).collect();
        let refused = unreachable_error("Connection refused (os error 111)");
        let recent = (refused.clone(), now - Duration::from_secs(1));
        let long_ago = (refused.clone(), now - UNREACHABLE_GRACE);
        assert_eq!(health(&synced, None, true, now), Health::Connected);
        assert_eq!(
            health(&synced, Some(&recent), true, now),
            Health::Reconnecting(format!("{}; retrying", refused.message))
        );
        assert_eq!(
            health(&synced, Some(&long_ago), true, now),
            Health::Down(refused.clone())
        );
        assert_eq!(
            health(&synced, Some(&recent), false, now),
            Health::Down(refused.clone())
        );
        let rbac = forbidden(&Access::pods("watch", "keda-demo"));
        let mut denied = synced.clone();
        denied[0].1 = WatchState::Failed {
            error: rbac.clone(),
            since: now,
        };
        assert_eq!(
            health(&denied, Some(&recent), true, now),
            Health::Down(rbac)
        );
    }

    #[test]
    fn each_resource_has_its_own_health() {
        let err = forbidden(&Access::events("list", "keda-demo"));
        let cases = [
            (WatchState::Listing, Health::Reconnecting("listing".into())),
            (WatchState::Synced, Health::Connected),
            (
                WatchState::Failed {
                    error: err.clone(),
                    since: Instant::now(),
                },
                Health::Down(err),
            ),
        ];
        for (state, want) in cases {
            assert_eq!(resource_health(&state), want, "{state:?}");
        }
    }

    /// #10.6: a 410 re-lists at once; other errors back off 250 ms doubling to 2 s, reset by a
    /// success. Paused tokio time measures the pauses exactly.
    #[test]
    fn a_batch_dirties_only_what_changed_and_a_410_relists_without_a_fault() {
        let item = |watched, step| Item {
            watched,
            result: Ok((step, None)),
        };
        let gone = |watched| {
            let mut s = kube::core::Status::failure("too old resource version", "Expired");
            s.code = 410;
            Item {
                watched,
                result: Err(watcher::Error::WatchError(Box::new(s))),
            }
        };
        let mut state = WatchLoop::new();
        let mut shown = HashMap::new();
        let mut applied = Applied::default();
        for i in [
            item(Watched::Hpa, Step::Init),
            item(Watched::Hpa, Step::InitApply),
            item(Watched::Pods, Step::Changed),
            item(Watched::ScaledObject, Step::InitDone),
            item(Watched::Events, Step::Changed),
        ] {
            state.apply(i, &target(), &mut shown, &mut applied);
        }
        assert_eq!(
            applied.dirty,
            Dirty {
                pods: true,
                scaled_object: true,
                ..Dirty::default()
            }
        );
        assert!(!applied.relisting);
        let hpa = |state: &WatchLoop| state.states[2].1.clone();
        assert_eq!(hpa(&state), WatchState::Listing);
        state.apply(
            item(Watched::Hpa, Step::InitDone),
            &target(),
            &mut shown,
            &mut applied,
        );
        assert!(applied.dirty.hpa);
        state.apply(gone(Watched::Hpa), &target(), &mut shown, &mut applied);
        assert!(applied.relisting, "a 410 is said at once");
        assert_eq!(hpa(&state), WatchState::Listing, "a re-list, not a failure");
        state.note_synced();
        assert!(!state.ever_synced, "the Deployment never listed");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_relists_at_once_after_410_and_caps_other_backoff_at_2s() {
        let gone = || {
            let mut s = kube::core::Status::failure("too old resource version", "Expired");
            s.code = 410;
            Err(watcher::Error::WatchError(Box::new(s)))
        };
        // Any error but a 410 (the variant matters not; this one needs no payload).
        let cut = || Err(watcher::Error::NoResourceVersion);
        let items: Vec<Result<u32, watcher::Error>> = vec![
            gone(),
            Ok(1),
            cut(),
            cut(),
            cut(),
            cut(),
            cut(),
            cut(),
            Ok(2),
            cut(),
            Ok(3),
        ];
        let mut stream = Box::pin(with_retry(futures::stream::iter(items)));
        let start = tokio::time::Instant::now();
        let mut gaps = Vec::new();
        let mut last = start;
        while stream.next().await.is_some() {
            let now = tokio::time::Instant::now();
            gaps.push((now - last).as_millis());
            last = now;
        }
        // Pause before each item = the back-off after the item before it.
        assert_eq!(gaps, [0, 0, 0, 250, 500, 1000, 2000, 2000, 2000, 0, 250]);
    }
}
