//! Pure builders: Kubernetes objects → the shared model rows, in `kubectl`'s terms.
//!
//! Every rule here mirrors kubectl's server-side printers (docs/keda-semantics.md §5.1: `printPod`) or
//! apimachinery's `duration.HumanDuration`, so the console reads exactly like `kubectl get pods`.

use crate::queue::Scaler;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Container, ContainerState, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::crd::{ScaledObject, defaults};
/// The READY/RESTARTS/AGE texts live with the model (the UI uses them too).
pub use crate::kubectl::{age_text, human_duration, ready_text, restarts_text};
use crate::model::{
    ClusterEvent, Condition, DeploymentView, EventType, HpaBehaviorKind, HpaView, PodView,
    ScaledObjectView,
};

/// `status.reason` the node controller sets on pods of an unreachable node.
const NODE_LOST: &str = "NodeLost";

/// One pod as a row of `kubectl get pods` (docs/keda-semantics.md §5.1, `printPod`).
pub fn pod_view(pod: &Pod) -> PodView {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
    let status_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or("");
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let init_specs: &[Container] = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);

    let mut reason = if status_reason.is_empty() {
        phase.to_string()
    } else {
        status_reason.to_string()
    };
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".into();
    }

    let is_restartable_init = |name: &str| {
        init_specs
            .iter()
            .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
    };
    // Restartable init containers (sidecars) count in READY's total.
    let total = spec.map_or(0, |s| s.containers.len()) as u32
        + init_specs
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .count() as u32;
    let mut ready = 0u32;
    let mut restarts = 0u32;
    let mut last_restart: Option<Timestamp> = None;
    let mut sidecar_restarts = 0u32;
    let mut sidecar_last_restart: Option<Timestamp> = None;

    let mut initializing = false;
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += cs.restart_count.max(0) as u32;
        let finished = last_terminated_at(cs.last_state.as_ref());
        last_restart = later(last_restart, finished);
        let sidecar = is_restartable_init(&cs.name);
        if sidecar {
            sidecar_restarts += cs.restart_count.max(0) as u32;
            sidecar_last_restart = later(sidecar_last_restart, finished);
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if t.signal.unwrap_or(0) != 0 => format!("Init:Signal:{}", t.signal.unwrap_or(0)),
                _ => format!("Init:ExitCode:{}", t.exit_code),
            };
        } else if let Some(w) = waiting_reason.filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        for cs in statuses.iter().rev() {
            restarts += cs.restart_count.max(0) as u32;
            last_restart = later(last_restart, last_terminated_at(cs.last_state.as_ref()));
            let state = cs.state.as_ref();
            let waiting = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(w) = waiting.filter(|r| !r.is_empty()) {
                reason = w.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                    _ => format!("ExitCode:{}", t.exit_code),
                };
            } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    let deleting = meta.deletion_timestamp.is_some();
    if deleting && status_reason == NODE_LOST {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    PodView {
        name: meta.name.clone().unwrap_or_default(),
        status: reason,
        ready_containers: ready,
        total_containers: total,
        restarts,
        last_restart,
        created: meta
            .creation_timestamp
            .as_ref()
            .map_or(Timestamp::UNIX_EPOCH, |t| t.0),
        deleting,
        node: spec
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty()),
    }
}

fn last_terminated_at(state: Option<&ContainerState>) -> Option<Timestamp> {
    state
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0)
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A Kubernetes quantity (`5`, `5500m`, `1.5k`, `2Gi`, `1e3`) as a number. `None` if malformed.
pub fn parse_quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let base: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(base * factor)
}

/// The Deployment KEDA scales.
pub fn deployment_view(d: &Deployment) -> DeploymentView {
    let status = d.status.as_ref();
    DeploymentView {
        name: d.metadata.name.clone().unwrap_or_default(),
        // The API server defaults spec.replicas to 1.
        spec_replicas: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as u32,
        status_replicas: status.and_then(|s| s.replicas).unwrap_or(0).max(0) as u32,
        ready_replicas: status.and_then(|s| s.ready_replicas).unwrap_or(0).max(0) as u32,
    }
}

/// The HPA KEDA created (docs/keda-semantics.md §1.3, §4.3, §4.6).
pub fn hpa_view(hpa: &HorizontalPodAutoscaler) -> HpaView {
    let spec = hpa.spec.as_ref();
    let status = hpa.status.as_ref();
    let external_target = spec
        .and_then(|s| s.metrics.as_ref())
        .and_then(|ms| ms.iter().find_map(|m| m.external.as_ref()))
        .and_then(|e| e.target.average_value.as_ref())
        .and_then(|q| parse_quantity(&q.0));
    let current_metric = status
        .and_then(|s| s.current_metrics.as_ref())
        .and_then(|ms| ms.iter().find_map(|m| m.external.as_ref()))
        .and_then(|e| e.current.average_value.as_ref())
        .and_then(|q| parse_quantity(&q.0));
    HpaView {
        name: hpa.metadata.name.clone().unwrap_or_default(),
        min_replicas: spec.and_then(|s| s.min_replicas).unwrap_or(1).max(0) as u32,
        max_replicas: spec.map_or(0, |s| s.max_replicas).max(0) as u32,
        current_replicas: status.and_then(|s| s.current_replicas).unwrap_or(0).max(0) as u32,
        desired_replicas: status.map_or(0, |s| s.desired_replicas).max(0) as u32,
        current_metric,
        target_average: external_target,
        conditions: status
            .and_then(|s| s.conditions.as_ref())
            .map(|cs| {
                cs.iter()
                    .map(|c| Condition {
                        type_: c.type_.clone(),
                        status: c.status.clone(),
                        reason: c.reason.clone().unwrap_or_default(),
                        message: c.message.clone().unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        last_scale_time: status.and_then(|s| s.last_scale_time.as_ref()).map(|t| t.0),
        decision: None,
        last_sync: None,
        next_sync: None,
        tolerance: behavior_tolerance(spec.and_then(|s| s.behavior.as_ref())),
    }
}

/// `spec.behavior.scaleUp/scaleDown.tolerance` of a live HPA (docs/keda-semantics.md §4.3). The
/// API server drops the fields when `HPAConfigurableTolerance` is off, so what is there applies.
pub fn behavior_tolerance(
    behavior: Option<&k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior>,
) -> crate::model::HpaTolerance {
    let read = |rules: Option<&k8s_openapi::api::autoscaling::v2::HPAScalingRules>| {
        rules
            .and_then(|r| r.tolerance.as_ref())
            .and_then(|q| parse_quantity(&q.0))
            .filter(|t| t.is_finite() && *t >= 0.0)
    };
    crate::model::HpaTolerance {
        scale_up: read(behavior.and_then(|b| b.scale_up.as_ref())),
        scale_down: read(behavior.and_then(|b| b.scale_down.as_ref())),
    }
}

/// The ScaledObject: the numbers its trigger and spec set (KEDA's defaults when unset,
/// docs/keda-semantics.md §1.1, §2.1) and its conditions (§1.4).
pub fn scaled_object_view(so: &ScaledObject) -> ScaledObjectView {
    let spec = &so.spec;
    let status = so.status.clone().unwrap_or_default();
    // The first trigger of a scaler kedatui speaks, else the first.
    let trigger = spec
        .triggers
        .iter()
        .find(|t| Scaler::from_trigger_type(&t.type_).is_some())
        .or_else(|| spec.triggers.first());
    let scaler = trigger.and_then(|t| Scaler::from_trigger_type(&t.type_));
    let meta = |key: &str| {
        trigger
            .and_then(|t| t.metadata.get(key))
            .map(|v| v.trim().to_string())
    };
    let count = |key: &str, default: i64| {
        meta(key)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
            .max(0) as u64
    };
    let target = &spec.scale_target_ref;
    let target_kind = status.scale_target_kind.clone().unwrap_or_else(|| {
        format!(
            "{}.{}",
            target.api_version.as_deref().unwrap_or("apps/v1"),
            target.kind.as_deref().unwrap_or("Deployment")
        )
    });
    let behavior_set = spec
        .advanced
        .as_ref()
        .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
        .is_some_and(|h| h.behavior.is_some());
    ScaledObjectView {
        namespace: so.metadata.namespace.clone().unwrap_or_default(),
        name: so.metadata.name.clone().unwrap_or_default(),
        target_kind,
        target_name: target.name.clone(),
        queue_name: meta("queueName")
            .or_else(|| meta("topicName"))
            .unwrap_or_default(),
        polling_interval: SignedDuration::from_secs(
            spec.polling_interval
                .unwrap_or(defaults::POLLING_INTERVAL_S)
                .into(),
        ),
        cooldown_period: SignedDuration::from_secs(
            spec.cooldown_period
                .unwrap_or(defaults::COOLDOWN_PERIOD_S)
                .into(),
        ),
        min_replicas: spec
            .min_replica_count
            .unwrap_or(defaults::MIN_REPLICA_COUNT)
            .max(0) as u32,
        max_replicas: spec
            .max_replica_count
            .unwrap_or(defaults::MAX_REPLICA_COUNT)
            .max(0) as u32,
        idle_replicas: spec.idle_replica_count.map(|n| n.max(0) as u32),
        // Each scaler names its target and activation its own way (rabbitmq: `value`, or the
        // deprecated `queueLength`, default 20; docs/keda-semantics.md §10.1).
        message_count: match scaler {
            Some(Scaler::RabbitMq) => meta("value")
                .or_else(|| meta("queueLength"))
                .and_then(|v| v.parse::<f64>().ok())
                .map_or(crate::rabbitmq::DEFAULT_QUEUE_LENGTH as u64, |v| {
                    v.max(0.0).ceil() as u64
                }),
            _ => count("messageCount", defaults::MESSAGE_COUNT),
        },
        activation_message_count: match scaler {
            Some(Scaler::RabbitMq) => meta("activationValue")
                .and_then(|v| v.parse::<f64>().ok())
                .map_or(0, |v| v.max(0.0).floor() as u64),
            _ => count("activationMessageCount", defaults::ACTIVATION_MESSAGE_COUNT),
        },
        scaler,
        hpa_behavior: if behavior_set {
            HpaBehaviorKind::Configured
        } else {
            HpaBehaviorKind::Legacy
        },
        conditions: status
            .conditions
            .iter()
            .map(|c| Condition {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
        last_active: status.last_active_time.map(|t| t.0),
        last_poll: None,
        next_poll: None,
        last_poll_metric: None,
    }
}

/// The ScaledObject's `Ready` condition is `True`.
pub fn is_ready(view: &ScaledObjectView) -> bool {
    view.conditions
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

fn event_type(t: Option<&str>) -> EventType {
    if t == Some("Warning") {
        EventType::Warning
    } else {
        EventType::Normal
    }
}

fn first_time(times: &[Option<&Time>]) -> Timestamp {
    times
        .iter()
        .flatten()
        .map(|t| t.0)
        .next()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A core/v1 Event. The newest of `series.lastObservedTime`, `lastTimestamp`, `eventTime`,
/// `firstTimestamp` dates it (what `kubectl get events` shows as LAST SEEN).
pub fn cluster_event_v1(ev: &k8s_openapi::api::core::v1::Event) -> ClusterEvent {
    let series_last = ev
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| Time(t.0));
    let event_time = ev.event_time.as_ref().map(|t| Time(t.0));
    let at = first_time(&[
        series_last.as_ref(),
        ev.last_timestamp.as_ref(),
        event_time.as_ref(),
        ev.first_timestamp.as_ref(),
        ev.metadata.creation_timestamp.as_ref(),
    ]);
    let obj = &ev.involved_object;
    ClusterEvent {
        at,
        type_: event_type(ev.type_.as_deref()),
        reason: ev.reason.clone().unwrap_or_default(),
        object: object_ref(obj.kind.as_deref(), obj.name.as_deref()),
        message: ev.message.clone().unwrap_or_default(),
        source: reporter(
            ev.reporting_component.as_deref(),
            ev.source.as_ref().and_then(|s| s.component.as_deref()),
        ),
        count: occurrences(ev.series.as_ref().and_then(|s| s.count).or(ev.count)),
    }
}

/// An events.k8s.io/v1 Event (what KEDA's recorder writes, docs/keda-semantics.md §1.5).
pub fn cluster_event_events_v1(ev: &k8s_openapi::api::events::v1::Event) -> ClusterEvent {
    let series_last = ev.series.as_ref().map(|s| Time(s.last_observed_time.0));
    let event_time = ev.event_time.as_ref().map(|t| Time(t.0));
    let at = first_time(&[
        series_last.as_ref(),
        ev.deprecated_last_timestamp.as_ref(),
        event_time.as_ref(),
        ev.deprecated_first_timestamp.as_ref(),
        ev.metadata.creation_timestamp.as_ref(),
    ]);
    let regarding = ev.regarding.as_ref();
    ClusterEvent {
        at,
        type_: event_type(ev.type_.as_deref()),
        reason: ev.reason.clone().unwrap_or_default(),
        object: object_ref(
            regarding.and_then(|r| r.kind.as_deref()),
            regarding.and_then(|r| r.name.as_deref()),
        ),
        message: ev.note.clone().unwrap_or_default(),
        source: reporter(
            ev.reporting_controller.as_deref(),
            ev.deprecated_source
                .as_ref()
                .and_then(|s| s.component.as_deref()),
        ),
        count: occurrences(ev.series.as_ref().map(|s| s.count).or(ev.deprecated_count)),
    }
}

/// `Kind/name` of the object an Event is about.
fn object_ref(kind: Option<&str>, name: Option<&str>) -> String {
    format!("{}/{}", kind.unwrap_or(""), name.unwrap_or(""))
}

/// The reporting component, or the older `source.component` when it is unset or empty.
fn reporter(reporting: Option<&str>, source_component: Option<&str>) -> String {
    reporting
        .filter(|s| !s.is_empty())
        .or(source_component)
        .unwrap_or_default()
        .to_owned()
}

/// How many times an Event happened: its series' count, else its own; at least once.
fn occurrences(count: Option<i32>) -> u32 {
    count.unwrap_or(1).max(1) as u32
}

#[cfg(test)]
mod tests;
