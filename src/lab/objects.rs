//! What the lab writes into the API server, built from its state without any I/O: the
//! Deployment's, ScaledObject's and HPA's status and the controllers' Events, each in the shape
//! the real controller writes it. The controller ([`super::controller`]) decides when to write
//! and sends these; a write happens only when the built object differs from the last written.

use jiff::Timestamp;
use kedatui_core::model::{HpaView, ScaledObjectView, names};
use kedatui_core::sim::SimConfig;
use kedatui_core::sim::loops;
use serde_json::{Value, json};

use super::pods::{LabPod, metav1_time};

/// The Deployment's `status` for its pods (those not being deleted), as the Deployment
/// controller reports it.
pub fn deployment_status(pods: &[LabPod]) -> Value {
    let live: Vec<&LabPod> = pods.iter().filter(|p| p.deleted_at.is_none()).collect();
    let ready = live.iter().filter(|p| p.is_ready()).count();
    json!({"observedGeneration": 1, "replicas": live.len(), "updatedReplicas": live.len(),
           "readyReplicas": ready, "availableReplicas": ready,
           "unavailableReplicas": live.len() - ready})
}

/// The ScaledObject's `status` as KEDA's operator writes it for the lab's trigger.
pub fn scaled_object_status(
    config: &SimConfig,
    view: &ScaledObjectView,
    last_active: Option<Timestamp>,
) -> Value {
    let conditions: Vec<Value> = view
        .conditions
        .iter()
        .map(|c| json!({"type": c.type_, "status": c.status, "reason": c.reason, "message": c.message}))
        .collect();
    json!({
        "scaleTargetKind": "apps/v1.Deployment",
        "scaleTargetGVKR": {"group": "apps", "version": "v1", "kind": "Deployment", "resource": "deployments"},
        "externalMetricNames": [config.names.metric(config.scaler)],
        "hpaName": config.names.hpa(),
        "triggersTypes": config.scaler.trigger_type(),
        "authenticationsTypes": names::TRIGGER_AUTHENTICATION,
        "lastActiveTime": last_active.map(metav1_time),
        "conditions": conditions,
    })
}

/// The HPA's `status` as the HPA controller writes it: the external metric's average in
/// milli-units (`"2500m"`), conditions stamped at `since` (when the lab started).
pub fn hpa_status(config: &SimConfig, view: &HpaView, since: Timestamp) -> Value {
    let conditions: Vec<Value> = view
        .conditions
        .iter()
        .map(|c| {
            json!({"type": c.type_, "status": c.status, "reason": c.reason, "message": c.message,
                        "lastTransitionTime": metav1_time(since)})
        })
        .collect();
    let current_metrics = match view.current_metric {
        Some(avg) => json!([{"type": "External", "external": {
            "metric": {"name": config.names.metric(config.scaler), "selector": {"matchLabels": {"scaledobject.keda.sh/name": config.names.scaled_object}}},
            "current": {"averageValue": format!("{}m", (avg * 1000.0).round() as i64)}}}]),
        None => json!([]),
    };
    json!({
        "currentReplicas": view.current_replicas,
        "desiredReplicas": view.desired_replicas,
        "currentMetrics": current_metrics,
        "conditions": conditions,
        "lastScaleTime": view.last_scale_time.map(metav1_time),
    })
}

/// A core/v1 Event for one controller event (its texts are `loops::Recorded`'s, shared with
/// the simulator). `serial` keeps names unique within one millisecond.
pub fn event_object(
    recorded: &loops::Recorded,
    namespace: &str,
    now: Timestamp,
    serial: u64,
) -> Value {
    let name = recorded.name.as_str();
    let component = recorded.component;
    let at = metav1_time(now);
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{:x}{:06x}", now.as_millisecond(), serial),
                     "namespace": namespace},
        "involvedObject": {"apiVersion": recorded.kind.api_version(), "kind": recorded.kind.as_str(),
                           "name": name, "namespace": namespace},
        "reason": recorded.reason, "message": recorded.message, "type": recorded.type_.as_str(),
        "count": 1,
        "source": {"component": component},
        "reportingComponent": component, "reportingInstance": "kedatui-lab",
        "firstTimestamp": at, "lastTimestamp": at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::DeploymentStatus;
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerStatus;
    use k8s_openapi::api::core::v1::Event as KubeEvent;
    use kedatui_core::model::Condition;
    use kedatui_core::sim::time::Nanos;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).unwrap()
    }

    #[test]
    fn deployment_status_counts_live_and_ready_pods() {
        const S: Nanos = Nanos::from_secs(1);
        let pod = |n: u32| LabPod::new(format!("p{n}"), n, Nanos::ZERO, "node-0".into(), 10 * S);
        let mut ready = pod(1);
        ready.stage = crate::lab::pods::Stage::Ready;
        let mut deleting = pod(3);
        deleting.deleted_at = Some(2 * S);
        let status = deployment_status(&[ready, pod(2), deleting]);
        // It parses as the API's own type, with the counts the Deployment controller gives.
        let typed: DeploymentStatus = serde_json::from_value(status).unwrap();
        assert_eq!(typed.replicas, Some(2), "the deleting pod is not a replica");
        assert_eq!(typed.ready_replicas, Some(1));
        assert_eq!(typed.available_replicas, Some(1));
        assert_eq!(typed.unavailable_replicas, Some(1));
    }

    #[test]
    fn scaled_object_status_is_what_keda_writes() {
        let config = SimConfig::demo();
        let view = ScaledObjectView {
            conditions: vec![Condition {
                type_: "Active".into(),
                status: "True".into(),
                reason: "ScalerActive".into(),
                message: "Scaling is performed because triggers are active".into(),
            }],
            ..kedatui_core::fixtures::demo_scaled_object()
        };
        let status = scaled_object_status(&config, &view, Some(t(7)));
        assert_eq!(status["hpaName"], "keda-hpa-kedasbreceiver-scaler");
        assert_eq!(
            status["externalMetricNames"][0],
            config.names.metric(config.scaler)
        );
        assert_eq!(status["triggersTypes"], "azure-servicebus");
        assert_eq!(status["lastActiveTime"], "2026-09-21T14:13:27Z");
        assert_eq!(status["conditions"][0]["reason"], "ScalerActive");
        let never = scaled_object_status(&config, &view, None);
        assert!(never["lastActiveTime"].is_null(), "{never}");
    }

    #[test]
    fn hpa_status_writes_the_metric_in_milli_units() {
        let config = SimConfig::demo();
        let mut view = loops::HpaLoop::new(Nanos::ZERO).view(&config, |_| t(0));
        view.current_replicas = 2;
        view.desired_replicas = 4;
        view.current_metric = Some(12.5);
        view.last_scale_time = Some(t(3));
        view.conditions = vec![Condition {
            type_: "ScalingActive".into(),
            status: "True".into(),
            reason: "ValidMetricFound".into(),
            message: String::new(),
        }];
        let status = hpa_status(&config, &view, t(0));
        let typed: HorizontalPodAutoscalerStatus = serde_json::from_value(status.clone()).unwrap();
        assert_eq!(typed.desired_replicas, 4);
        let external = typed.current_metrics.unwrap()[0].external.clone().unwrap();
        assert_eq!(external.current.average_value.unwrap().0, "12500m");
        assert_eq!(
            status["conditions"][0]["lastTransitionTime"],
            "2026-09-21T14:13:20Z"
        );
        let none = hpa_status(
            &config,
            &HpaView {
                current_metric: None,
                ..view
            },
            t(0),
        );
        assert_eq!(none["currentMetrics"], json!([]));
    }

    #[test]
    fn events_are_core_v1_events_with_unique_names() {
        let recorded =
            loops::Recorded::scaled_replica_set("kedasbreceiver", "kedasbreceiver-abc", 0, 4);
        let a = event_object(&recorded, "keda-demo", t(0), 1);
        let b = event_object(&recorded, "keda-demo", t(0), 2);
        assert_ne!(a["metadata"]["name"], b["metadata"]["name"]);
        let typed: KubeEvent = serde_json::from_value(a).unwrap();
        assert_eq!(typed.reason.as_deref(), Some("ScalingReplicaSet"));
        assert_eq!(typed.involved_object.kind.as_deref(), Some("Deployment"));
        assert_eq!(typed.type_.as_deref(), Some("Normal"));
        assert_eq!(typed.reporting_instance.as_deref(), Some("kedatui-lab"));
        assert_eq!(typed.metadata.namespace.as_deref(), Some("keda-demo"));
    }
}
