//! The demo's cluster objects, as KEDA and the controllers would have left them, and pod builders
//! for tests. Names match `kedatui::model::names` (kept in sync by kedatui's tests).

use serde_json::{Value, json};

use super::FakeApiServer;

pub const NAMESPACE: &str = "keda-demo";
pub const DEPLOYMENT: &str = "kedasbreceiver";
pub const SCALED_OBJECT: &str = "kedasbreceiver-scaler";
pub const HPA: &str = "keda-hpa-kedasbreceiver-scaler";
pub const QUEUE: &str = "kedaqueue";
/// The Deployment's pod selector, as yaml/base/deployment.yaml sets it.
pub const APP_LABEL: (&str, &str) = ("app.kubernetes.io/name", "kedasbreceiver");

/// Create the Namespace, KEDA's CRDs, the Deployment (0 replicas), a Ready ScaledObject and its HPA.
pub fn seed(server: &FakeApiServer, namespace: &str) {
    server.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}));
    for (plural, kind) in [
        ("scaledobjects", "ScaledObject"),
        ("scaledjobs", "ScaledJob"),
        ("triggerauthentications", "TriggerAuthentication"),
        (
            "clustertriggerauthentications",
            "ClusterTriggerAuthentication",
        ),
    ] {
        server.apply(crd(plural, kind));
    }
    server.apply(deployment(namespace, 0));
    server.apply(scaled_object(namespace, true));
    server.apply(hpa(namespace));
}

pub fn crd(plural: &str, kind: &str) -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": format!("{plural}.keda.sh")},
           "spec": {"group": "keda.sh", "names": {"plural": plural, "kind": kind}, "scope": "Namespaced",
                    "versions": [{"name": "v1alpha1", "served": true, "storage": true}]}})
}

pub fn deployment(namespace: &str, replicas: i32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": DEPLOYMENT, "namespace": namespace, "generation": 1},
           "spec": {"replicas": replicas,
                    "selector": {"matchLabels": {APP_LABEL.0: APP_LABEL.1}},
                    "template": {"metadata": {"labels": {APP_LABEL.0: APP_LABEL.1}},
                                 "spec": {"containers": [{"name": "receiver", "image": "kedasbreceiver:demo"}]}}},
           "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}})
}

pub fn scaled_object(namespace: &str, ready: bool) -> Value {
    let (status, reason, message) = if ready {
        (
            "True",
            "ScaledObjectReady",
            "ScaledObject is defined correctly and is ready for scaling",
        )
    } else {
        (
            "False",
            "ScaledObjectCheckFailed",
            "ScaledObject doesn't have correct scaleTargetRef specification",
        )
    };
    json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
           "metadata": {"name": SCALED_OBJECT, "namespace": namespace,
                        "labels": {"scaledobject.keda.sh/name": SCALED_OBJECT}},
           "spec": {"scaleTargetRef": {"name": DEPLOYMENT}, "pollingInterval": 5, "cooldownPeriod": 30,
                    "minReplicaCount": 0, "maxReplicaCount": 20,
                    "triggers": [{"type": "azure-servicebus",
                                  "metadata": {"queueName": QUEUE, "messageCount": "5", "activationMessageCount": "0"},
                                  "authenticationRef": {"name": "kedasbreceiver-auth"}}]},
           "status": {"scaleTargetKind": "apps/v1.Deployment", "hpaName": HPA,
                      "externalMetricNames": [format!("s0-azure-servicebus-{QUEUE}")],
                      "conditions": [
                          {"type": "Ready", "status": status, "reason": reason, "message": message},
                          {"type": "Active", "status": "False", "reason": "ScalerNotActive", "message": "Scaling is not performed because triggers are not active"},
                          {"type": "Fallback", "status": "False", "reason": "NoFallbackFound", "message": "No fallbacks are active on this scaled object"},
                          {"type": "Paused", "status": "False", "reason": "", "message": ""}]}})
}

pub fn hpa(namespace: &str) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": HPA, "namespace": namespace,
                        "labels": {"app.kubernetes.io/managed-by": "keda-operator", "app.kubernetes.io/part-of": SCALED_OBJECT}},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": DEPLOYMENT},
                    "minReplicas": 1, "maxReplicas": 20,
                    "metrics": [{"type": "External", "external": {
                        "metric": {"name": format!("s0-azure-servicebus-{QUEUE}"),
                                   "selector": {"matchLabels": {"scaledobject.keda.sh/name": SCALED_OBJECT}}},
                        "target": {"type": "AverageValue", "averageValue": "5"}}}]},
           "status": {"currentReplicas": 0, "desiredReplicas": 0,
                      "conditions": [{"type": "ScalingActive", "status": "False", "reason": "ScalingDisabled",
                                      "message": "scaling is disabled since the replica count of the target is zero"}]}})
}

/// A receiver pod in one of its life stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodStage {
    Pending,
    ContainerCreating,
    Running,
    Ready,
}

pub fn pod(namespace: &str, name: &str, stage: PodStage) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {APP_LABEL.0: APP_LABEL.1, "pod-template-hash": "7d9f8b6c5d"}},
        "spec": {"containers": [{"name": "receiver", "image": "kedasbreceiver:demo"}]},
        "status": {"phase": "Pending"}});
    set_stage(&mut pod, stage);
    pod
}

/// Move a pod (as JSON) to `stage`, the way the scheduler and kubelet would.
pub fn set_stage(pod: &mut Value, stage: PodStage) {
    let container = |ready: bool, state: Value| {
        json!([{"name": "receiver", "image": "kedasbreceiver:demo", "imageID": "", "ready": ready,
                "restartCount": 0, "state": state}])
    };
    match stage {
        PodStage::Pending => {
            pod["status"] = json!({"phase": "Pending"});
        }
        PodStage::ContainerCreating => {
            pod["spec"]["nodeName"] = json!("aks-nodepool1-0");
            pod["status"] = json!({"phase": "Pending",
                "containerStatuses": container(false, json!({"waiting": {"reason": "ContainerCreating"}}))});
        }
        PodStage::Running | PodStage::Ready => {
            let ready = stage == PodStage::Ready;
            pod["spec"]["nodeName"] = json!("aks-nodepool1-0");
            pod["status"] = json!({"phase": "Running",
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "containerStatuses": container(ready, json!({"running": {"startedAt": "2026-11-27T21:00:00Z"}}))});
        }
    }
}

/// A core/v1 Event about an object.
pub fn event(
    namespace: &str,
    name: &str,
    kind: &str,
    object: &str,
    reason: &str,
    message: &str,
    component: &str,
) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
           "metadata": {"name": name, "namespace": namespace},
           "involvedObject": {"kind": kind, "name": object, "namespace": namespace},
           "reason": reason, "message": message, "type": "Normal", "count": 1,
           "source": {"component": component},
           "firstTimestamp": super::store::now_rfc3339(), "lastTimestamp": super::store::now_rfc3339()})
}
