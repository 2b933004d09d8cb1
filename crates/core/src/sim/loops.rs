//! KEDA's scale loop and the HPA controller as small state machines over the pure arithmetic of
//! [`super::keda`] and [`super::hpa`]: what one poll or one sync decides, and the conditions and
//! event texts it leaves behind. The simulator's [`super::World`] feeds them its modelled queue
//! and pods; the lab (`crate::lab`) feeds them the broker's real ActiveMessageCount and the pods
//! it runs, so both follow one copy of the rules.
//!
//! Times are [`Nanos`] on the caller's clock (virtual in the simulator, real in the lab).

use super::time::Nanos;
use jiff::Timestamp;

use super::config::{HpaBehavior, SimConfig, SimNames};
use super::hpa::{self, HpaHistory};
use super::keda::{self, ActiveCondition, KedaPoll, KedaScale};
use crate::model::{Condition, EventType, HpaDecision, HpaView, ScaledObjectView};

pub(crate) fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: impl Into<String>,
) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.into(),
    }
}

/// KEDA's per-ScaledObject scale loop memory (docs/keda-semantics.md §1.2).
#[derive(Clone, Debug)]
pub struct KedaLoop {
    pub created: Nanos,
    pub next_poll: Nanos,
    pub last_poll: Option<Nanos>,
    /// What the last poll saw: the Active condition and the console's "why" come from it.
    pub last_poll_metric: Option<u64>,
    pub last_active: Option<Nanos>,
    pub active: Option<ActiveCondition>,
    /// The last poll's scaler failed (the lab's broker unreachable).
    pub scaler_failed: bool,
}

impl KedaLoop {
    /// A loop whose first poll is due at `first_poll`. The controller creates the loop a moment
    /// after the object exists, so `creation + initialCooldown < now` holds at the first poll.
    pub fn new(first_poll: Nanos) -> Self {
        Self {
            created: first_poll - Nanos::from_millis(1),
            next_poll: first_poll,
            last_poll: None,
            last_poll_metric: None,
            last_active: None,
            active: None,
            scaler_failed: false,
        }
    }

    /// One poll at `now` that read `metric` (ActiveMessageCount) with the target at
    /// `spec_replicas`: what KEDA does to the target. Does not move `next_poll`.
    pub fn poll(
        &mut self,
        now: Nanos,
        metric: u64,
        spec_replicas: u32,
        config: &SimConfig,
    ) -> KedaScale {
        let decision = keda::request_scale(&KedaPoll {
            now,
            is_active: metric > config.activation_message_count,
            current_replicas: spec_replicas,
            min_replicas: config.min_replicas,
            idle_replicas: config.idle_replicas,
            last_active: self.last_active,
            created: self.created,
            cooldown: Nanos::from_duration(config.cooldown_period),
            initial_cooldown: Nanos::from_duration(config.initial_cooldown_period),
        });
        self.last_poll = Some(now);
        self.scaler_failed = false;
        self.last_poll_metric = Some(metric);
        self.last_active = decision.last_active;
        self.active = Some(decision.active);
        decision.scale
    }

    /// A poll whose scaler failed, with no fallback configured: KEDA keeps the replicas and
    /// marks the ScaledObject `Ready=False`, `TriggerError` (upstream `pkg/scaling/executor/
    /// scale_scaledobjects.go` `RequestScale`; docs/keda-semantics.md §1.4).
    pub fn poll_failed(&mut self, now: Nanos) {
        self.last_poll = Some(now);
        self.scaler_failed = true;
    }

    /// True when the last poll found the trigger active.
    pub fn is_active(&self) -> bool {
        self.active == Some(ActiveCondition::ScalerActive)
    }

    /// The ScaledObject's `status.conditions` (docs/keda-semantics.md §1.4).
    pub fn conditions(&self) -> Vec<Condition> {
        if self.last_poll.is_none() {
            return vec![
                condition("Ready", "Unknown", "", ""),
                condition("Active", "Unknown", "", ""),
                condition("Fallback", "Unknown", "", ""),
                condition("Paused", "False", "", ""),
            ];
        }
        let (status, reason, message) = self
            .active
            .unwrap_or(ActiveCondition::ScalerNotActive)
            .text();
        let ready = if self.scaler_failed {
            condition(
                "Ready",
                "False",
                "TriggerError",
                "Triggers defined in ScaledObject are not working correctly",
            )
        } else {
            condition(
                "Ready",
                "True",
                "ScaledObjectReady",
                "ScaledObject is defined correctly and is ready for scaling",
            )
        };
        vec![
            ready,
            condition("Active", status, reason, message),
            condition(
                "Fallback",
                "False",
                "NoFallbackFound",
                "No fallbacks are active on this scaled object",
            ),
            condition("Paused", "False", "", ""),
        ]
    }

    pub fn view(&self, config: &SimConfig, at: impl Fn(Nanos) -> Timestamp) -> ScaledObjectView {
        let c = config;
        ScaledObjectView {
            scaler: Some(config.scaler),
            namespace: c.names.namespace.clone(),
            name: c.names.scaled_object.clone(),
            target_kind: "apps/v1.Deployment".to_string(),
            target_name: c.names.deployment.clone(),
            queue_name: c.names.queue.clone(),
            polling_interval: c.polling_interval,
            cooldown_period: c.cooldown_period,
            min_replicas: c.min_replicas,
            max_replicas: c.max_replicas,
            idle_replicas: c.idle_replicas,
            message_count: c.message_count,
            activation_message_count: c.activation_message_count,
            hpa_behavior: c.hpa_behavior.kind(),
            conditions: self.conditions(),
            last_active: self.last_active.map(&at),
            last_poll: self.last_poll.map(&at),
            next_poll: Some(at(self.next_poll)),
            last_poll_metric: self.last_poll_metric,
        }
    }
}

/// The kind of object a controller's event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Pod,
    ReplicaSet,
    Deployment,
    HorizontalPodAutoscaler,
    ScaledObject,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Pod => "Pod",
            ObjectKind::ReplicaSet => "ReplicaSet",
            ObjectKind::Deployment => "Deployment",
            ObjectKind::HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
            ObjectKind::ScaledObject => "ScaledObject",
        }
    }

    /// The `involvedObject.apiVersion` of an event about this kind.
    pub fn api_version(self) -> &'static str {
        match self {
            ObjectKind::Pod => "v1",
            ObjectKind::ReplicaSet | ObjectKind::Deployment => "apps/v1",
            ObjectKind::HorizontalPodAutoscaler => "autoscaling/v2",
            ObjectKind::ScaledObject => "keda.sh/v1alpha1",
        }
    }
}

/// A Kubernetes Event as the controllers record it: about which object, its type and reason,
/// its text and the component that records it. The simulator's [`super::World`] shows these
/// and the lab writes them to its API server, from this one copy of each text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub kind: ObjectKind,
    pub name: String,
    pub type_: EventType,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
}

impl Recorded {
    fn new(
        kind: ObjectKind,
        name: &str,
        type_: EventType,
        reason: &'static str,
        message: String,
        component: &'static str,
    ) -> Self {
        Self {
            kind,
            name: name.to_string(),
            type_,
            reason,
            message,
            component,
        }
    }

    /// `Kind/name`, as the console shows the object.
    pub fn object(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }

    /// The Deployment controller scaled the target's ReplicaSet.
    pub fn scaled_replica_set(deployment: &str, replica_set: &str, from: u32, to: u32) -> Self {
        let direction = if to > from { "up" } else { "down" };
        Self::new(
            ObjectKind::Deployment,
            deployment,
            EventType::Normal,
            "ScalingReplicaSet",
            format!("Scaled {direction} replica set {replica_set} from {from} to {to}"),
            "deployment-controller",
        )
    }

    /// The ReplicaSet controller created a pod.
    pub fn pod_created(replica_set: &str, pod: &str) -> Self {
        Self::new(
            ObjectKind::ReplicaSet,
            replica_set,
            EventType::Normal,
            "SuccessfulCreate",
            format!("Created pod: {pod}"),
            "replicaset-controller",
        )
    }

    /// The ReplicaSet controller deleted a pod.
    pub fn pod_deleted(replica_set: &str, pod: &str) -> Self {
        Self::new(
            ObjectKind::ReplicaSet,
            replica_set,
            EventType::Normal,
            "SuccessfulDelete",
            format!("Deleted pod: {pod}"),
            "replicaset-controller",
        )
    }

    /// The scheduler bound a pod to a node.
    pub fn scheduled(namespace: &str, pod: &str, node: &str) -> Self {
        Self::new(
            ObjectKind::Pod,
            pod,
            EventType::Normal,
            "Scheduled",
            format!("Successfully assigned {namespace}/{pod} to {node}"),
            "default-scheduler",
        )
    }

    /// The kubelet started the pod's container.
    pub fn started(pod: &str, container: &str) -> Self {
        Self::new(
            ObjectKind::Pod,
            pod,
            EventType::Normal,
            "Started",
            format!("Started container {container}"),
            "kubelet",
        )
    }

    /// The kubelet stops the container of a deleted pod.
    pub fn killing(pod: &str, container: &str) -> Self {
        Self::new(
            ObjectKind::Pod,
            pod,
            EventType::Normal,
            "Killing",
            format!("Stopping container {container}"),
            "kubelet",
        )
    }

    /// The kubelet waits before restarting a crashed container.
    pub fn back_off(namespace: &str, pod: &str, container: &str) -> Self {
        Self::new(
            ObjectKind::Pod,
            pod,
            EventType::Warning,
            "BackOff",
            format!("Back-off restarting failed container {container} in pod {pod}_{namespace}"),
            "kubelet",
        )
    }

    /// The event KEDA records for a scale decision; `None` when it records none (nothing to do,
    /// or raising to `minReplicaCount`).
    pub fn keda_scaled(scale: KedaScale, names: &SimNames, metric_name: &str) -> Option<Self> {
        let target = format!(
            "apps/v1.Deployment {}/{}",
            names.namespace, names.deployment
        );
        let (reason, message) = match scale {
            KedaScale::Activate { from, to } => (
                "KEDAScaleTargetActivated",
                format!("Scaled {target} from {from} to {to}, triggered by {metric_name}"),
            ),
            KedaScale::Deactivate { from, to } => (
                "KEDAScaleTargetDeactivated",
                format!("Deactivated {target} from {from} to {to}"),
            ),
            KedaScale::Nothing | KedaScale::RaiseToMin { .. } => return None,
        };
        Some(Self::new(
            ObjectKind::ScaledObject,
            &names.scaled_object,
            EventType::Normal,
            reason,
            message,
            "keda-operator",
        ))
    }

    /// What KEDA records when it starts serving a ScaledObject: its scalers are built and
    /// watched, and the ScaledObject is ready.
    pub fn keda_started(scaled_object: &str, scaler: &str) -> [Self; 3] {
        let keda = |reason, message: String| {
            Self::new(
                ObjectKind::ScaledObject,
                scaled_object,
                EventType::Normal,
                reason,
                message,
                "keda-operator",
            )
        };
        [
            keda("KEDAScalersStarted", format!("Scaler {scaler} is built")),
            keda("KEDAScalersStarted", "Started scalers watch".to_string()),
            keda(
                "ScaledObjectReady",
                "ScaledObject is ready for scaling".to_string(),
            ),
        ]
    }

    /// KEDA's poll could not read the queue.
    pub fn keda_scaler_failed(scaled_object: &str, error: &str) -> Self {
        Self::new(
            ObjectKind::ScaledObject,
            scaled_object,
            EventType::Warning,
            "KEDAScalerFailed",
            format!("error getting queue length: {error}"),
            "keda-operator",
        )
    }

    /// The HPA changed the target's replicas (`message` from [`HpaLoop::sync`]).
    pub fn hpa_rescaled(hpa: &str, message: String) -> Self {
        Self::new(
            ObjectKind::HorizontalPodAutoscaler,
            hpa,
            EventType::Normal,
            "SuccessfulRescale",
            message,
            "horizontal-pod-autoscaler",
        )
    }

    /// The HPA could not get its external metric (`message` from [`HpaLoop::metric_failed`]).
    pub fn hpa_metric_failed(hpa: &str, message: String) -> Self {
        Self::new(
            ObjectKind::HorizontalPodAutoscaler,
            hpa,
            EventType::Warning,
            "FailedGetExternalMetric",
            message,
            "horizontal-pod-autoscaler",
        )
    }
}

/// The replicas KEDA sets on the target, if it changes them.
pub fn keda_target(scale: KedaScale) -> Option<u32> {
    match scale {
        KedaScale::Nothing => None,
        KedaScale::Activate { to, .. }
        | KedaScale::Deactivate { to, .. }
        | KedaScale::RaiseToMin { to, .. } => Some(to),
    }
}

/// The HPA controller's memory for KEDA's HPA, and what its last sync wrote.
#[derive(Clone, Debug)]
pub struct HpaLoop {
    pub next_sync: Nanos,
    pub last_sync: Option<Nanos>,
    pub history: HpaHistory,
    pub decision: Option<HpaDecision>,
    pub current_replicas: u32,
    pub desired_replicas: u32,
    pub current_metric: Option<f64>,
    pub last_scale_time: Option<Nanos>,
    pub able_to_scale: Option<Condition>,
    pub scaling_active: Option<Condition>,
    pub scaling_limited: Option<Condition>,
}

/// A sync's rescale: the new `spec.replicas` and the `SuccessfulRescale` event's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rescale {
    pub desired: u32,
    pub message: String,
}

impl HpaLoop {
    pub fn new(first_sync: Nanos) -> Self {
        Self {
            next_sync: first_sync,
            last_sync: None,
            history: HpaHistory::default(),
            decision: None,
            current_replicas: 0,
            desired_replicas: 0,
            current_metric: None,
            last_scale_time: None,
            able_to_scale: None,
            scaling_active: None,
            scaling_limited: None,
        }
    }

    /// One `reconcileAutoscaler` (docs/keda-semantics.md §4.2) at `now`: the target's `spec.replicas`, its
    /// `status.replicas` (pods not being deleted) and the external metric as read now. Does not
    /// move `next_sync`.
    pub fn sync(
        &mut self,
        now: Nanos,
        spec_replicas: u32,
        status_replicas: u32,
        metric: u64,
        config: &SimConfig,
        at: Timestamp,
    ) -> Option<Rescale> {
        self.last_sync = Some(now);
        let current = spec_replicas;
        let min = config.hpa_min_replicas();
        let max = config.max_replicas;
        let metric_description = hpa::metric_description(
            &config.names.metric(config.scaler),
            &config.names.scaled_object,
        );
        self.history.record_initial(current, now);
        self.current_replicas = status_replicas;
        self.able_to_scale = Some(condition(
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        ));
        if current == 0 {
            self.scaling_active = Some(condition(
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            ));
            self.decision = None;
            self.current_metric = None;
            self.desired_replicas = 0;
            return None;
        }
        let (desired, reason) = if current > max {
            (
                max,
                "Current number of replicas above Spec.MaxReplicas".to_string(),
            )
        } else if current < min {
            (
                min,
                "Current number of replicas below Spec.MinReplicas".to_string(),
            )
        } else {
            let target = config.message_count;
            let status = status_replicas;
            let (proposal, within) =
                hpa::metric_proposal(metric, target, status, config.hpa_tolerances());
            self.current_metric = hpa::current_average(metric, status);
            self.scaling_active = Some(condition(
                "ScalingActive",
                "True",
                "ValidMetricFound",
                format!(
                    "the HPA was able to successfully calculate a replica count from {metric_description}"
                ),
            ));
            let reason = if proposal > current {
                format!("{metric_description} above target")
            } else if proposal < current {
                "All metrics below target".to_string()
            } else {
                String::new()
            };
            let normalized = match &config.hpa_behavior {
                HpaBehavior::Legacy => self.history.normalize_legacy(
                    now,
                    Nanos::from_duration(config.downscale_stabilization),
                    current,
                    proposal,
                    min,
                    max,
                ),
                HpaBehavior::Configured(b) => self
                    .history
                    .normalize_with_behavior(now, b, current, proposal, min, max),
            };
            let (able_reason, able_message) = normalized.able_to_scale;
            self.able_to_scale = Some(condition("AbleToScale", "True", able_reason, able_message));
            let (limited, limited_reason, limited_message) = normalized.scaling_limited;
            self.scaling_limited = Some(condition(
                "ScalingLimited",
                if limited { "True" } else { "False" },
                limited_reason,
                limited_message,
            ));
            self.decision = Some(HpaDecision {
                at,
                metric,
                target,
                current_replicas: current,
                status_replicas: status,
                within_tolerance: within,
                proposal,
                stabilized: normalized.stabilized,
                limit: normalized.limit,
                desired: normalized.desired,
                min_replicas: min,
                max_replicas: max,
            });
            (normalized.desired, reason)
        };
        self.desired_replicas = desired;
        if desired == current {
            return None;
        }
        if let HpaBehavior::Configured(b) = &config.hpa_behavior {
            self.history.store_scale_event(b, now, current, desired);
        }
        self.able_to_scale = Some(condition(
            "AbleToScale",
            "True",
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {desired}"),
        ));
        self.last_scale_time = Some(now);
        Some(Rescale {
            desired,
            message: format!("New size: {desired}; reason: {reason}"),
        })
    }

    /// A sync whose external metric could not be read: upstream
    /// `pkg/controller/podautoscaler/horizontal.go` `computeStatusForExternalMetric` sets
    /// `ScalingActive=False`, reason `FailedGetExternalMetric`, and with every metric invalid
    /// `reconcileAutoscaler` changes no replicas (docs/keda-semantics.md §4.2). Returns the
    /// error text, which is also the `FailedGetExternalMetric` event's message. A target at 0
    /// is `ScalingDisabled` before any metric is read: call [`Self::sync`] for it.
    pub fn metric_failed(
        &mut self,
        now: Nanos,
        status_replicas: u32,
        error: &str,
        config: &SimConfig,
    ) -> String {
        self.last_sync = Some(now);
        self.current_replicas = status_replicas;
        self.current_metric = None;
        self.able_to_scale = Some(condition(
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        ));
        // replica_calculator.go `GetExternalPerPodMetricReplicas`: "unable to get external
        // metric %s/%s/%+v: %s" (namespace, metric, selector, the metrics API's error).
        let error = format!(
            "unable to get external metric {}/{}/&LabelSelector{{MatchLabels:map[string]string{{scaledobject.keda.sh/name: {},}},MatchExpressions:[]LabelSelectorRequirement{{}},}}: unable to fetch metrics from external metrics API: {error}",
            config.names.namespace,
            config.names.metric(config.scaler),
            config.names.scaled_object,
        );
        self.scaling_active = Some(condition(
            "ScalingActive",
            "False",
            "FailedGetExternalMetric",
            format!("the HPA was unable to compute the replica count: {error}"),
        ));
        error
    }

    pub fn view(&self, config: &SimConfig, at: impl Fn(Nanos) -> Timestamp) -> HpaView {
        let conditions = [
            &self.able_to_scale,
            &self.scaling_active,
            &self.scaling_limited,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        HpaView {
            name: config.names.hpa(),
            min_replicas: config.hpa_min_replicas(),
            max_replicas: config.max_replicas,
            current_replicas: self.current_replicas,
            desired_replicas: self.desired_replicas,
            current_metric: self.current_metric,
            target_average: Some(config.message_count as f64),
            conditions,
            last_scale_time: self.last_scale_time.map(&at),
            decision: self.decision.clone(),
            last_sync: self.last_sync.map(&at),
            next_sync: Some(at(self.next_sync)),
            tolerance: config.behavior_tolerance(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts the simulator shows and the lab writes, as the upstream controllers word them.
    #[test]
    fn recorded_events_read_as_the_controllers_write_them() {
        let names = SimNames::default();
        let cases = [
            (
                Recorded::scaled_replica_set("web", "web-5d9f", 2, 5),
                "Deployment/web",
                "ScalingReplicaSet",
                "Scaled up replica set web-5d9f from 2 to 5",
            ),
            (
                Recorded::scaled_replica_set("web", "web-5d9f", 5, 0),
                "Deployment/web",
                "ScalingReplicaSet",
                "Scaled down replica set web-5d9f from 5 to 0",
            ),
            (
                Recorded::pod_created("web-5d9f", "web-5d9f-x7k2q"),
                "ReplicaSet/web-5d9f",
                "SuccessfulCreate",
                "Created pod: web-5d9f-x7k2q",
            ),
            (
                Recorded::pod_deleted("web-5d9f", "web-5d9f-x7k2q"),
                "ReplicaSet/web-5d9f",
                "SuccessfulDelete",
                "Deleted pod: web-5d9f-x7k2q",
            ),
            (
                Recorded::scheduled("demo", "p", "node-1"),
                "Pod/p",
                "Scheduled",
                "Successfully assigned demo/p to node-1",
            ),
            (
                Recorded::back_off("demo", "p", "receiver"),
                "Pod/p",
                "BackOff",
                "Back-off restarting failed container receiver in pod p_demo",
            ),
            (
                Recorded::keda_scaled(KedaScale::Activate { from: 0, to: 1 }, &names, "m").unwrap(),
                &format!("ScaledObject/{}", names.scaled_object),
                "KEDAScaleTargetActivated",
                &format!(
                    "Scaled apps/v1.Deployment {}/{} from 0 to 1, triggered by m",
                    names.namespace, names.deployment
                ),
            ),
        ];
        for (recorded, object, reason, message) in cases {
            assert_eq!(
                (
                    recorded.object().as_str(),
                    recorded.reason,
                    recorded.message.as_str()
                ),
                (object, reason, message)
            );
        }
        assert_eq!(
            Recorded::keda_scaled(KedaScale::Nothing, &names, "m"),
            None,
            "nothing to do records nothing"
        );
        assert_eq!(Recorded::back_off("n", "p", "c").type_, EventType::Warning);
        assert_eq!(ObjectKind::ReplicaSet.api_version(), "apps/v1");
    }
}
