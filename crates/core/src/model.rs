//! The vocabulary shared by the simulator, the live sources and the console.
//!
//! Everything here is plain data: the simulator and the live adapters (Service Bus, Kubernetes)
//! describe the world with these types, the console only ever reads them. Keep it serialisable:
//! recordings (`--record`) are streams of these values.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Queue counters as KEDA's azure-servicebus scaler and the management REST API see them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    /// `ActiveMessageCount`: what KEDA scales on (docs/keda-semantics.md §2.2).
    pub active: u64,
    /// Messages locked by a receiver. Known exactly in the simulator; the REST API does not report it.
    pub in_flight: Option<u64>,
    pub dead_letter: u64,
    pub scheduled: u64,
    /// `MessageCount` from the REST API (never computed from the sub-counts), when known.
    pub total: Option<u64>,
}

/// One reading of the queue counters and when it was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSample {
    pub at: Timestamp,
    pub counts: QueueCounts,
}

/// One row of the pod table, already in `kubectl get pods` terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodView {
    pub name: String,
    /// STATUS exactly as kubectl prints it: `Pending`, `ContainerCreating`, `Running`, `Terminating`, …
    pub status: String,
    pub ready_containers: u32,
    pub total_containers: u32,
    pub restarts: u32,
    pub last_restart: Option<Timestamp>,
    pub created: Timestamp,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    pub node: Option<String>,
}

/// A status condition (KEDA's have no lastTransitionTime, docs/keda-semantics.md §1.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// Which HPA normalisation path applies (docs/keda-semantics.md §4.4 / §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum HpaBehaviorKind {
    /// No `behavior` in the HPA (KEDA's default): 300 s max-stabilisation, scale-up cap `max(2×cur, 4)`.
    #[default]
    Legacy,
    /// A `behavior` is set (the Kubernetes defaults when fields are omitted).
    Configured,
}

/// The ScaledObject: its spec (the numbers the scaling decisions use) and its status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaledObjectView {
    pub namespace: String,
    pub name: String,
    /// `status.scaleTargetKind`, e.g. `apps/v1.Deployment`.
    pub target_kind: String,
    pub target_name: String,
    pub queue_name: String,
    pub polling_interval: SignedDuration,
    pub cooldown_period: SignedDuration,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub idle_replicas: Option<u32>,
    pub message_count: u64,
    pub activation_message_count: u64,
    /// The scaler of the trigger kedatui reads (`None`: a trigger type it does not speak).
    /// Absent in older recordings, which were all Service Bus.
    #[serde(default = "service_bus")]
    pub scaler: Option<crate::queue::Scaler>,
    pub hpa_behavior: HpaBehaviorKind,
    /// Ready, Active, Fallback, Paused (and HPAActive on KEDA ≥ 2.20.2).
    pub conditions: Vec<Condition>,
    pub last_active: Option<Timestamp>,
    /// When KEDA last polled the scaler. The simulator knows it; a live cluster does not publish it.
    pub last_poll: Option<Timestamp>,
    pub next_poll: Option<Timestamp>,
    /// The `ActiveMessageCount` KEDA's last poll saw (at `last_poll`), which decided the Active
    /// condition. The simulator knows it; a live cluster does not publish it.
    #[serde(default)]
    pub last_poll_metric: Option<u64>,
}

fn service_bus() -> Option<crate::queue::Scaler> {
    Some(crate::queue::Scaler::ServiceBus)
}

/// Why the HPA's proposal was cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitReason {
    /// Legacy `max(2×current, 4)` or a behavior scale-up policy.
    ScaleUpLimit,
    /// A behavior scale-down policy.
    ScaleDownLimit,
    /// Clamped to `maxReplicas`.
    TooManyReplicas,
    /// Clamped to `minReplicas`.
    TooFewReplicas,
}

/// The arithmetic of one HPA sync, so the console can show *why* (docs/keda-semantics.md §4.2–4.5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HpaDecision {
    pub at: Timestamp,
    /// The external metric: the queue's active message count.
    pub metric: u64,
    /// `messageCount`, the AverageValue target.
    pub target: u64,
    /// `spec.replicas` of the target when the sync ran.
    pub current_replicas: u32,
    /// `status.replicas` (Terminating pods excluded), used only for the tolerance check.
    pub status_replicas: u32,
    /// `1 − down ≤ metric / (target × status_replicas) ≤ 1 + up` (0.1 each unless the
    /// behavior sets them, see [`HpaTolerance`]).
    pub within_tolerance: bool,
    /// The raw proposal: `ceil(metric / target)`, or `status_replicas` within tolerance
    /// (`GetExternalPerPodMetricReplicas`, docs/keda-semantics.md §4.3).
    pub proposal: u32,
    /// After the stabilisation window.
    pub stabilized: u32,
    /// The limit that applied, its value, and why.
    pub limit: Option<(LimitReason, u32)>,
    pub desired: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
}

/// Per-direction tolerances from the HPA's `spec.behavior` (`scaleUp.tolerance`,
/// `scaleDown.tolerance`; feature gate `HPAConfigurableTolerance`, docs/keda-semantics.md §4.3),
/// when set and honoured. `None` means the controller's own tolerance (0.1) for that direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HpaTolerance {
    pub scale_up: Option<f64>,
    pub scale_down: Option<f64>,
}

impl HpaTolerance {
    pub fn is_set(&self) -> bool {
        self.scale_up.is_some() || self.scale_down.is_some()
    }
}

/// The HorizontalPodAutoscaler KEDA created (`keda-hpa-<name>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HpaView {
    pub name: String,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub current_replicas: u32,
    pub desired_replicas: u32,
    /// `status.currentMetrics[].external.current.averageValue`, when reported.
    pub current_metric: Option<f64>,
    pub target_average: Option<f64>,
    pub conditions: Vec<Condition>,
    pub last_scale_time: Option<Timestamp>,
    /// The last sync's arithmetic when it is known (the simulator records it exactly).
    pub decision: Option<HpaDecision>,
    /// When the HPA controller last synced and syncs next (the simulator knows; a live
    /// HPA's status does not say).
    #[serde(default)]
    pub last_sync: Option<Timestamp>,
    #[serde(default)]
    pub next_sync: Option<Timestamp>,
    /// The behavior's per-direction tolerances, when set.
    #[serde(default)]
    pub tolerance: HpaTolerance,
}

/// The scale target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentView {
    pub name: String,
    pub spec_replicas: u32,
    /// Excludes Terminating pods.
    pub status_replicas: u32,
    pub ready_replicas: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    /// As the Events API writes it (`type`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// A Kubernetes Event about one of the demo's objects (KEDA, HPA, Deployment, ReplicaSet, pods).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterEvent {
    pub at: Timestamp,
    pub type_: EventType,
    pub reason: String,
    /// `Kind/name`, e.g. `ScaledObject/kedasbreceiver-scaler`.
    pub object: String,
    pub message: String,
    /// The reporting component, e.g. `keda-operator`, `horizontal-pod-autoscaler`.
    pub source: String,
    pub count: u32,
}

/// The demo's object names. yaml/, scripts/ and every default in kedatui use these (a test checks).
pub mod names {
    pub const NAMESPACE: &str = "keda-demo";
    pub const QUEUE: &str = "kedaqueue";
    pub const DEPLOYMENT: &str = "kedasbreceiver";
    pub const CONTAINER: &str = "receiver";
    pub const SCALED_OBJECT: &str = "kedasbreceiver-scaler";
    pub const SCALED_JOB: &str = "kedasbreceiver-job";
    pub const TRIGGER_AUTHENTICATION: &str = "kedasbreceiver-auth";
    /// The Secret holding KEDA's (Manage) connection string, and the receiver's (Listen) one.
    pub const SECRET: &str = "servicebus-connection";
    /// Key in the Secret read by the TriggerAuthentication (`parameter: connection`).
    pub const SECRET_KEY_KEDA: &str = "connection";
    /// Key in the Secret the receiver's env var reads.
    pub const SECRET_KEY_RECEIVER: &str = "receiver-connection";
    /// The HPA KEDA creates: `keda-hpa-<scaledobject>`.
    pub const HPA: &str = "keda-hpa-kedasbreceiver-scaler";
}
