//! The one event type the console's `App::update` consumes, and the commands it emits.
//!
//! Background tasks (input, tick, simulator, Service Bus sender and count probe, kube watchers)
//! send `Event`s over one tokio channel; the App is their only reader. `App::update` answers with
//! `Command`s, which the main loop routes to whichever source can carry them out.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::{ClusterEvent, DeploymentView, HpaView, PodView, QueueSample, ScaledObjectView};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A key press, paste or resize from the terminal.
    Input(crossterm::event::Event),
    /// The clock moved: virtual time in the simulator, wall time in live mode.
    /// Read by the tick task, never while drawing.
    Tick {
        now: Timestamp,
    },
    Source(SourceEvent),
    /// Replay and slide snapshots (never recorded).
    Presenter(crate::presenter::PresenterEvent),
}

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
    ServiceBus,
    Cluster,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Health {
    Connected,
    /// Still trying; the string says what is being retried.
    Reconnecting(String),
    Down(SourceError),
}

/// An error a source reports to the UI. Classified so the UI can say what to do about it;
/// the message is written to be shown as is and never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    Unauthorized,
    NotFound,
    Unreachable,
    Throttled,
    Timeout,
    /// RBAC: which verb on which resource is missing, and the file in yaml/ that grants it.
    Forbidden {
        verb: String,
        resource: String,
        grant_file: String,
    },
    KedaNotInstalled,
    Other,
}

/// What the console asks a source to do. Sources ignore what they cannot do, and say so
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
    /// Replay controls and slide snapshots, carried out by the replay source and the main loop.
    Presenter(crate::presenter::PresenterCommand),
    /// `kedatui --lab` only: rehearse a fault (the lab carries it out; other sources ignore it).
    LabFault(LabFault),
}

/// The faults the console's keys can ask the lab for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabFault {
    /// SIGKILL one running receiver.
    CrashReceiver,
    /// The broker goes away for 10 s.
    BrokerDown,
    /// Every watch gets 410 Expired.
    ApiExpire,
    /// The API server goes away for 10 s.
    ApiDown,
}

impl LabFault {
    /// For the key echo and the help.
    pub fn label(self) -> &'static str {
        match self {
            LabFault::CrashReceiver => "lab: crash a receiver",
            LabFault::BrokerDown => "lab: broker down 10s",
            LabFault::ApiExpire => "lab: API server 410 to every watch",
            LabFault::ApiDown => "lab: API server down 10s",
        }
    }
}
