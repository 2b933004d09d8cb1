//! What the world's sources report ([`SourceEvent`]) and the commands they take ([`Command`]).
//!
//! The simulator and the live adapters (Service Bus sender and count probe, kube watchers) send
//! these to the console, wrapped in its `Event`; the console answers with `Command`s, which its
//! main loop routes to whichever source can carry them out.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use kedatui_servicebus::errors::{ErrorKind, SourceError, is_transient};

use crate::model::{ClusterEvent, DeploymentView, HpaView, PodView, QueueSample, ScaledObjectView};

/// What a source's event channel carries: the console's event type, which wraps a
/// [`SourceEvent`] (the tests' channels may carry `SourceEvent` itself).
pub trait FromSource: From<SourceEvent> + Send + 'static {}
impl<T: From<SourceEvent> + Send + 'static> FromSource for T {}

/// What a world source (the simulator or a live adapter) reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SourceEvent {
    /// The simulator's time warp changed (1.0 = real time).
    Warp(f64),
    Queue(QueueSample),
    /// The full set of pods matching the selector (a snapshot, so a re-list leaves no ghosts).
    Pods(Vec<PodView>),
    Deployment(DeploymentView),
    ScaledObject(Box<ScaledObjectView>),
    /// `None` when the HPA does not exist (yet).
    Hpa(Option<Box<HpaView>>),
    ClusterEvent(ClusterEvent),
    Send(SendProgress),
    Purge(PurgeProgress),
    ConsumersPaused(bool),
    /// Messages per second of the steady trickle, `None` when off.
    Trickle(Option<f64>),
    Health {
        source: SourceKind,
        health: Health,
    },
    /// One watched cluster resource's own health. The cluster's `Health` speaks for the pods,
    /// Deployment, HPA and ScaledObject only; the Events API is optional (forbidden by RBAC or
    /// not served) and reports here alone.
    ResourceHealth {
        resource: ClusterResource,
        health: Health,
    },
}

/// The resources the cluster source watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClusterResource {
    Pods,
    Deployment,
    Hpa,
    ScaledObject,
    Events,
}

/// `SendProgress::burst` of the steady trickle: `sent` is its running total (`size` 0, never done).
/// The console numbers bursts from 1.
pub const TRICKLE_BURST: u64 = 0;

/// Progress of one burst (sent in batches); several may be queued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendProgress {
    pub burst: u64,
    pub size: u64,
    pub sent: u64,
    pub failed: u64,
    pub at: Timestamp,
    pub done: bool,
    pub cancelled: bool,
    pub error: Option<SourceError>,
    /// Messages sent again after a lost acknowledgement (same message ids): the broker may
    /// hold up to this many more than `sent`. Absent in older recordings.
    #[serde(default)]
    pub maybe_resent: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurgeProgress {
    pub removed: u64,
    pub at: Timestamp,
    pub done: bool,
    pub error: Option<SourceError>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    Simulator,
    /// The live queue, whichever broker (recordings before RabbitMQ call it `ServiceBus`).
    #[serde(alias = "ServiceBus")]
    Queue,
    Cluster,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Health {
    Connected,
    /// Still trying; the string says what is being retried.
    Reconnecting(String),
    Down(SourceError),
}

/// What the world's sources can be asked to do (the console wraps its own commands around
/// these). Sources ignore what they cannot do, and say so
/// (the App also disables keys the current mode does not support).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    Burst {
        burst: u64,
        count: u64,
    },
    CancelBursts,
    /// Messages per second, `None` to stop.
    SetTrickle(Option<f64>),
    SetConsumersPaused(bool),
    Purge,
    /// Simulator only.
    SetWarp(f64),
}
