//! Table-driven tests of the row builders against kubectl's rules
//! (docs/keda-semantics.md §5.1 `printPod`; apimachinery `duration.HumanDuration`; §1.1, §1.3, §1.4, §1.5).

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::*;

const CREATED: &str = "2026-11-27T21:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A pod of the demo Deployment with one container `receiver`, merged with `patch`
/// (`spec`/`status`/`metadata` keys replace the base's keys at the second level).
fn pod(patch: Value) -> Pod {
    let mut base = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kedasbreceiver-7d9f8b6c5d-x2x9q", "namespace": "keda-demo",
                     "creationTimestamp": CREATED},
        "spec": {"containers": [{"name": "receiver", "image": "receiver:1"}], "nodeName": "aks-node-1"},
        "status": {"phase": "Running"}
    });
    for (section, fields) in patch.as_object().unwrap() {
        for (k, v) in fields.as_object().unwrap() {
            base[section][k] = v.clone();
        }
    }
    serde_json::from_value(base).unwrap()
}

fn running(ready: bool, restarts: i32) -> Value {
    json!({"name": "receiver", "image": "receiver:1", "imageID": "", "ready": ready, "restartCount": restarts,
           "state": {"running": {"startedAt": "2026-11-27T21:00:05Z"}}})
}

fn waiting(name: &str, reason: &str, restarts: i32) -> Value {
    json!({"name": name, "image": "i", "imageID": "", "ready": false, "restartCount": restarts,
           "state": {"waiting": {"reason": reason}}})
}

fn terminated(name: &str, exit_code: i32, reason: Option<&str>, signal: Option<i32>) -> Value {
    let mut t = json!({"exitCode": exit_code});
    if let Some(r) = reason {
        t["reason"] = json!(r);
    }
    if let Some(s) = signal {
        t["signal"] = json!(s);
    }
    json!({"name": name, "image": "i", "imageID": "", "ready": false, "restartCount": 0, "state": {"terminated": t}})
}

fn two_inits() -> Value {
    json!([{"name": "init-a", "image": "i"}, {"name": "init-b", "image": "i"}])
}

#[test]
fn pod_status_ready_and_restarts_follow_kubectl() {
    // (shape, pod, STATUS, READY, RESTARTS)
    let cases: Vec<(&str, Pod, &str, &str, u32)> = vec![
        (
            "unscheduled",
            pod(json!({"spec": {"nodeName": null}, "status": {"phase": "Pending"}})),
            "Pending",
            "0/1",
            0,
        ),
        (
            "creating",
            pod(
                json!({"status": {"phase": "Pending", "containerStatuses": [waiting("receiver", "ContainerCreating", 0)]}}),
            ),
            "ContainerCreating",
            "0/1",
            0,
        ),
        (
            "running ready",
            pod(json!({"status": {"containerStatuses": [running(true, 0)]}})),
            "Running",
            "1/1",
            0,
        ),
        (
            "running, readiness probe not passed",
            pod(json!({"status": {"containerStatuses": [running(false, 0)]}})),
            "Running",
            "0/1",
            0,
        ),
        (
            "image pull failed",
            pod(
                json!({"status": {"phase": "Pending", "containerStatuses": [waiting("receiver", "ErrImagePull", 0)]}}),
            ),
            "ErrImagePull",
            "0/1",
            0,
        ),
        (
            "image pull back-off",
            pod(
                json!({"status": {"phase": "Pending", "containerStatuses": [waiting("receiver", "ImagePullBackOff", 0)]}}),
            ),
            "ImagePullBackOff",
            "0/1",
            0,
        ),
        (
            "crash loop",
            pod(
                json!({"status": {"containerStatuses": [waiting("receiver", "CrashLoopBackOff", 5)]}}),
            ),
            "CrashLoopBackOff",
            "0/1",
            5,
        ),
        (
            "secret key missing",
            pod(
                json!({"status": {"phase": "Pending", "containerStatuses": [waiting("receiver", "CreateContainerConfigError", 0)]}}),
            ),
            "CreateContainerConfigError",
            "0/1",
            0,
        ),
        (
            "completed",
            pod(
                json!({"status": {"phase": "Succeeded", "containerStatuses": [terminated("receiver", 0, Some("Completed"), None)]}}),
            ),
            "Completed",
            "0/1",
            0,
        ),
        (
            "error",
            pod(
                json!({"status": {"phase": "Failed", "containerStatuses": [terminated("receiver", 1, Some("Error"), None)]}}),
            ),
            "Error",
            "0/1",
            0,
        ),
        (
            "oom killed",
            pod(
                json!({"status": {"phase": "Failed", "containerStatuses": [terminated("receiver", 137, Some("OOMKilled"), None)]}}),
            ),
            "OOMKilled",
            "0/1",
            0,
        ),
        (
            "terminated without reason: exit code",
            pod(
                json!({"status": {"phase": "Failed", "containerStatuses": [terminated("receiver", 3, None, None)]}}),
            ),
            "ExitCode:3",
            "0/1",
            0,
        ),
        (
            "terminated without reason: signal",
            pod(
                json!({"status": {"phase": "Failed", "containerStatuses": [terminated("receiver", 137, None, Some(9))]}}),
            ),
            "Signal:9",
            "0/1",
            0,
        ),
        (
            "scale-down: deletionTimestamp set",
            pod(
                json!({"metadata": {"deletionTimestamp": "2026-11-27T21:05:00Z"}, "status": {"containerStatuses": [running(true, 0)]}}),
            ),
            "Terminating",
            "1/1",
            0,
        ),
        (
            "deleted after it succeeded stays Completed",
            pod(
                json!({"metadata": {"deletionTimestamp": "2026-11-27T21:05:00Z"},
                       "status": {"phase": "Succeeded", "containerStatuses": [terminated("receiver", 0, Some("Completed"), None)]}}),
            ),
            "Completed",
            "0/1",
            0,
        ),
        (
            "node lost",
            pod(
                json!({"metadata": {"deletionTimestamp": "2026-11-27T21:05:00Z"},
                       "status": {"reason": "NodeLost", "containerStatuses": [running(true, 0)]}}),
            ),
            "Unknown",
            "1/1",
            0,
        ),
        (
            "evicted",
            pod(json!({"status": {"phase": "Failed", "reason": "Evicted"}})),
            "Evicted",
            "0/1",
            0,
        ),
        (
            "scheduling gated",
            pod(
                json!({"spec": {"nodeName": null}, "status": {"phase": "Pending",
                "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}}),
            ),
            "SchedulingGated",
            "0/1",
            0,
        ),
        (
            "first init container still initializing",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Pending",
                "initContainerStatuses": [waiting("init-a", "PodInitializing", 0), waiting("init-b", "PodInitializing", 0)]}}),
            ),
            "Init:0/2",
            "0/1",
            0,
        ),
        (
            "second init container running",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Pending",
                "initContainerStatuses": [terminated("init-a", 0, Some("Completed"), None),
                    {"name": "init-b", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"running": {}}}]}}),
            ),
            "Init:1/2",
            "0/1",
            0,
        ),
        (
            "init container crash loop",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Pending",
                "initContainerStatuses": [waiting("init-a", "CrashLoopBackOff", 4)]}}),
            ),
            "Init:CrashLoopBackOff",
            "0/1",
            4,
        ),
        (
            "init container failed",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Failed",
                "initContainerStatuses": [terminated("init-a", 1, Some("Error"), None)]}}),
            ),
            "Init:Error",
            "0/1",
            0,
        ),
        (
            "init container failed without reason",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Pending",
                "initContainerStatuses": [terminated("init-a", 2, None, None)]}}),
            ),
            "Init:ExitCode:2",
            "0/1",
            0,
        ),
        (
            "init container killed by a signal",
            pod(
                json!({"spec": {"initContainers": two_inits()}, "status": {"phase": "Pending",
                "initContainerStatuses": [terminated("init-a", 0, None, Some(15)).as_object().map(|o| {
                    let mut o = o.clone();
                    o["state"]["terminated"]["exitCode"] = json!(143);
                    Value::Object(o)
                }).unwrap()]}}),
            ),
            "Init:Signal:15",
            "0/1",
            0,
        ),
        (
            "one container completed, one running, pod not Ready",
            pod(
                json!({"spec": {"containers": [{"name": "a", "image": "i"}, {"name": "receiver", "image": "i"}]},
                "status": {"conditions": [{"type": "Ready", "status": "False"}],
                    "containerStatuses": [terminated("a", 0, Some("Completed"), None), running(true, 0)]}}),
            ),
            "NotReady",
            "1/2",
            0,
        ),
        (
            "one container completed, one running, pod Ready",
            pod(
                json!({"spec": {"containers": [{"name": "a", "image": "i"}, {"name": "receiver", "image": "i"}]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}],
                    "containerStatuses": [terminated("a", 0, Some("Completed"), None), running(true, 0)]}}),
            ),
            "Running",
            "1/2",
            0,
        ),
        (
            "first container's waiting reason wins (scanned last to first)",
            pod(
                json!({"spec": {"containers": [{"name": "a", "image": "i"}, {"name": "receiver", "image": "i"}]},
                "status": {"containerStatuses": [waiting("a", "CrashLoopBackOff", 2), running(true, 1)]}}),
            ),
            "CrashLoopBackOff",
            "1/2",
            3,
        ),
        (
            "sidecar (restartable init container) counts in READY",
            pod(
                json!({"spec": {"initContainers": [{"name": "proxy", "image": "i", "restartPolicy": "Always"}]},
                "status": {"conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [{"name": "proxy", "image": "i", "imageID": "", "ready": true,
                        "restartCount": 1, "started": true, "state": {"running": {}}}],
                    "containerStatuses": [running(true, 0)]}}),
            ),
            "Running",
            "2/2",
            1,
        ),
    ];
    assert!(cases.len() >= 28, "every shape above stays covered");
    for (shape, p, status, ready, restarts) in cases {
        let view = pod_view(&p);
        assert_eq!(view.status, status, "STATUS of {shape}");
        assert_eq!(ready_text(&view), ready, "READY of {shape}");
        assert_eq!(view.restarts, restarts, "RESTARTS of {shape}");
    }
}

#[test]
fn pod_view_carries_name_node_created_and_deleting() {
    let view = pod_view(&pod(
        json!({"metadata": {"deletionTimestamp": "2026-11-27T21:05:00Z"}}),
    ));
    assert_eq!(view.name, "kedasbreceiver-7d9f8b6c5d-x2x9q");
    assert_eq!(view.node.as_deref(), Some("aks-node-1"));
    assert_eq!(view.created, ts(CREATED));
    assert!(view.deleting);
    let unscheduled = pod_view(&pod(json!({"spec": {"nodeName": null}})));
    assert_eq!(unscheduled.node, None);
    assert!(!unscheduled.deleting);
}

#[test]
fn restarts_show_how_long_ago_the_last_one_was() {
    let mut cs = running(true, 3);
    cs["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-27T21:10:00Z"}});
    let mut older = running(true, 1);
    older["name"] = json!("b");
    older["lastState"] =
        json!({"terminated": {"exitCode": 1, "finishedAt": "2026-11-27T21:01:00Z"}});
    let view = pod_view(&pod(json!({
        "spec": {"containers": [{"name": "receiver", "image": "i"}, {"name": "b", "image": "i"}]},
        "status": {"containerStatuses": [cs, older]}})));
    assert_eq!(view.restarts, 4);
    assert_eq!(view.last_restart, Some(ts("2026-11-27T21:10:00Z")));
    assert_eq!(
        restarts_text(&view, ts("2026-11-27T21:10:45Z")),
        "4 (45s ago)"
    );
    assert_eq!(
        restarts_text(&view, ts("2026-11-27T21:13:02Z")),
        "4 (3m2s ago)"
    );
    // Restarts without a recorded termination time print the bare count.
    let bare = pod_view(&pod(
        json!({"status": {"containerStatuses": [running(true, 2)]}}),
    ));
    assert_eq!(restarts_text(&bare, ts("2026-11-27T22:00:00Z")), "2");
    let none = pod_view(&pod(
        json!({"status": {"containerStatuses": [running(true, 0)]}}),
    ));
    assert_eq!(restarts_text(&none, ts("2026-11-27T22:00:00Z")), "0");
}

#[test]
fn human_duration_matches_apimachinery() {
    let cases: &[(i64, &str)] = &[
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (45, "45s"),
        (119, "119s"),
        (120, "2m"),
        (182, "3m2s"),
        (599, "9m59s"),
        (600, "10m"),
        (125 * 60, "125m"), // minutes up to 3 h print as minutes
        (179 * 60 + 59, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (3 * 86400 + 4 * 3600, "3d4h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (740 * 86400, "2y10d"),
        (8 * 365 * 86400, "8y"),
    ];
    for (secs, want) in cases {
        assert_eq!(
            human_duration(SignedDuration::from_secs(*secs)),
            *want,
            "{secs}s"
        );
    }
    assert_eq!(age_text(ts(CREATED), ts("2026-11-27T21:00:45Z")), "45s");
}

#[test]
fn quantities_parse_like_kubernetes() {
    let cases: &[(&str, Option<f64>)] = &[
        ("5", Some(5.0)),
        ("5500m", Some(5.5)),
        ("0", Some(0.0)),
        ("1.5k", Some(1500.0)),
        ("2Ki", Some(2048.0)),
        ("1e3", Some(1000.0)),
        ("12M", Some(12e6)),
        ("abc", None),
        ("5x", None),
    ];
    for (q, want) in cases {
        assert_eq!(parse_quantity(q), *want, "{q}");
    }
}

fn scaled_object(spec: Value, status: Value) -> ScaledObject {
    serde_json::from_value(json!({
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
        "metadata": {"name": "kedasbreceiver-scaler", "namespace": "keda-demo"},
        "spec": spec, "status": status
    }))
    .unwrap()
}

#[test]
fn scaled_object_view_reads_spec_numbers_and_defaults() {
    // docs/keda-semantics.md §1.1 defaults, §2.1 messageCount default 5.
    let bare = scaled_object(
        json!({"scaleTargetRef": {"name": "kedasbreceiver"},
               "triggers": [{"type": "azure-servicebus", "metadata": {"queueName": "kedaqueue"}}]}),
        json!({}),
    );
    let v = scaled_object_view(&bare);
    assert_eq!(v.target_name, "kedasbreceiver");
    assert_eq!(v.target_kind, "apps/v1.Deployment");
    assert_eq!(v.queue_name, "kedaqueue");
    assert_eq!(v.polling_interval, SignedDuration::from_secs(30));
    assert_eq!(v.cooldown_period, SignedDuration::from_secs(300));
    assert_eq!(
        (v.min_replicas, v.max_replicas, v.idle_replicas),
        (0, 100, None)
    );
    assert_eq!((v.message_count, v.activation_message_count), (5, 0));
    assert_eq!(v.hpa_behavior, HpaBehaviorKind::Legacy);
    assert!(!is_ready(&v));

    let demo = scaled_object(
        json!({"scaleTargetRef": {"name": "kedasbreceiver"}, "pollingInterval": 5, "cooldownPeriod": 30,
               "minReplicaCount": 0, "maxReplicaCount": 20,
               "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 10}}}},
               "triggers": [{"type": "azure-servicebus",
                             "metadata": {"queueName": "kedaqueue", "messageCount": "10", "activationMessageCount": "2"}}]}),
        json!({"scaleTargetKind": "apps/v1.Deployment", "lastActiveTime": "2026-11-27T21:30:00Z",
               "conditions": [
                   {"type": "Ready", "status": "True", "reason": "ScaledObjectReady", "message": "ScaledObject is defined correctly and is ready for scaling"},
                   {"type": "Active", "status": "False", "reason": "ScalerNotActive", "message": "Scaling is not performed because triggers are not active"},
                   {"type": "Fallback", "status": "False", "reason": "NoFallbackFound", "message": "No fallbacks are active on this scaled object"},
                   {"type": "Paused", "status": "False"}]}),
    );
    let v = scaled_object_view(&demo);
    assert_eq!(v.polling_interval, SignedDuration::from_secs(5));
    assert_eq!(v.cooldown_period, SignedDuration::from_secs(30));
    assert_eq!((v.min_replicas, v.max_replicas), (0, 20));
    assert_eq!((v.message_count, v.activation_message_count), (10, 2));
    assert_eq!(v.hpa_behavior, HpaBehaviorKind::Configured);
    assert_eq!(v.last_active, Some(ts("2026-11-27T21:30:00Z")));
    let types: Vec<_> = v
        .conditions
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        types,
        [
            ("Ready", "True"),
            ("Active", "False"),
            ("Fallback", "False"),
            ("Paused", "False")
        ]
    );
    assert!(is_ready(&v));
}

#[test]
fn hpa_view_reads_replicas_metric_and_conditions() {
    // docs/keda-semantics.md §1.3 (what KEDA writes), §4.3 (current averageValue), §4.6 (conditions).
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda-hpa-kedasbreceiver-scaler", "namespace": "keda-demo"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "kedasbreceiver"},
                 "minReplicas": 1, "maxReplicas": 20,
                 "metrics": [{"type": "External", "external": {
                     "metric": {"name": "s0-azure-servicebus-kedaqueue"},
                     "target": {"type": "AverageValue", "averageValue": "5"}}}]},
        "status": {"currentReplicas": 4, "desiredReplicas": 8, "lastScaleTime": "2026-11-27T21:31:00Z",
                   "currentMetrics": [{"type": "External", "external": {
                       "metric": {"name": "s0-azure-servicebus-kedaqueue"},
                       "current": {"averageValue": "5500m"}}}],
                   "conditions": [{"type": "ScalingLimited", "status": "True", "reason": "ScaleUpLimit",
                                   "message": "the desired replica count is increasing faster than the maximum scale rate"}]}
    }))
    .unwrap();
    let v = hpa_view(&hpa);
    assert_eq!(v.name, "keda-hpa-kedasbreceiver-scaler");
    assert_eq!(
        (
            v.min_replicas,
            v.max_replicas,
            v.current_replicas,
            v.desired_replicas
        ),
        (1, 20, 4, 8)
    );
    assert_eq!(v.current_metric, Some(5.5));
    assert_eq!(v.target_average, Some(5.0));
    assert_eq!(v.conditions[0].reason, "ScaleUpLimit");
    assert_eq!(v.last_scale_time, Some(ts("2026-11-27T21:31:00Z")));

    // At zero replicas the HPA has no current metric: kubectl shows `<unknown>/5 (avg)`.
    let idle: HorizontalPodAutoscaler = serde_json::from_value(json!({
        "metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "maxReplicas": 5},
        "status": {"desiredReplicas": 0}
    }))
    .unwrap();
    let v = hpa_view(&idle);
    assert_eq!(
        (v.min_replicas, v.current_metric, v.target_average),
        (1, None, None)
    );
}

#[test]
fn deployment_view_defaults_spec_replicas_to_one() {
    let d: Deployment =
        serde_json::from_value(json!({"metadata": {"name": "kedasbreceiver"}, "spec": {
        "selector": {"matchLabels": {"app": "kedasbreceiver"}}, "template": {}}}))
        .unwrap();
    assert_eq!(
        deployment_view(&d),
        DeploymentView {
            name: "kedasbreceiver".into(),
            spec_replicas: 1,
            status_replicas: 0,
            ready_replicas: 0
        }
    );
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "kedasbreceiver"},
        "spec": {"replicas": 0, "selector": {}, "template": {}}, "status": {"replicas": 3, "readyReplicas": 2}})).unwrap();
    assert_eq!(
        deployment_view(&d),
        DeploymentView {
            name: "kedasbreceiver".into(),
            spec_replicas: 0,
            status_replicas: 3,
            ready_replicas: 2
        }
    );
}

#[test]
fn events_of_both_apis_become_cluster_events() {
    // docs/keda-semantics.md §1.5: KEDA's recorder is events.k8s.io, reporting controller keda-operator.
    let new: k8s_openapi::api::events::v1::Event = serde_json::from_value(json!({
        "metadata": {"name": "e1", "namespace": "keda-demo"},
        "eventTime": "2026-11-27T21:30:00.000000Z",
        "reportingController": "keda-operator", "reportingInstance": "keda-operator-1",
        "action": "KEDAScaleTargetActivated", "reason": "KEDAScaleTargetActivated", "type": "Normal",
        "regarding": {"kind": "ScaledObject", "name": "kedasbreceiver-scaler", "namespace": "keda-demo"},
        "note": "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue"
    }))
    .unwrap();
    let e = cluster_event_events_v1(&new);
    assert_eq!(e.object, "ScaledObject/kedasbreceiver-scaler");
    assert_eq!(
        (e.reason.as_str(), e.source.as_str(), e.count),
        ("KEDAScaleTargetActivated", "keda-operator", 1)
    );
    assert_eq!(e.at, ts("2026-11-27T21:30:00Z"));
    assert_eq!(e.type_, EventType::Normal);

    let old: k8s_openapi::api::core::v1::Event = serde_json::from_value(json!({
        "metadata": {"name": "e2", "namespace": "keda-demo"},
        "involvedObject": {"kind": "HorizontalPodAutoscaler", "name": "keda-hpa-kedasbreceiver-scaler"},
        "reason": "FailedGetExternalMetric", "type": "Warning", "message": "unable to get external metric",
        "source": {"component": "horizontal-pod-autoscaler"}, "count": 7,
        "firstTimestamp": "2026-11-27T21:00:00Z", "lastTimestamp": "2026-11-27T21:20:00Z"
    }))
    .unwrap();
    let e = cluster_event_v1(&old);
    assert_eq!(
        e.object,
        "HorizontalPodAutoscaler/keda-hpa-kedasbreceiver-scaler"
    );
    assert_eq!(
        (e.source.as_str(), e.count, e.type_),
        ("horizontal-pod-autoscaler", 7, EventType::Warning)
    );
    assert_eq!(e.at, ts("2026-11-27T21:20:00Z"));
}

#[test]
fn event_parts_fall_back_the_way_kubectl_reads_them() {
    // An empty reportingComponent (core/v1 writers that predate it) falls back to source.
    assert_eq!(reporter(Some(""), Some("kubelet")), "kubelet");
    assert_eq!(
        reporter(Some("keda-operator"), Some("kubelet")),
        "keda-operator"
    );
    assert_eq!(reporter(None, None), "");
    // A count of 0 or none still means it happened once.
    assert_eq!(
        (
            occurrences(None),
            occurrences(Some(0)),
            occurrences(Some(7))
        ),
        (1, 1, 7)
    );
    assert_eq!(object_ref(Some("Pod"), None), "Pod/");
}

/// docs/keda-semantics.md §4.3: a live HPA's `spec.behavior` tolerances (quantities) are read per
/// direction; an HPA without them, or without a behavior, uses the controller's.
#[test]
fn hpa_view_reads_the_behavior_tolerances() {
    let hpa = |behavior: serde_json::Value| -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "keda-hpa-so", "namespace": "keda-demo"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
                     "maxReplicas": 20, "behavior": behavior},
        }))
        .unwrap()
    };
    let v = hpa_view(&hpa(
        json!({"scaleUp": {"tolerance": "50m"}, "scaleDown": {"tolerance": "0.2"}}),
    ));
    assert_eq!(v.tolerance.scale_up, Some(0.05));
    assert_eq!(v.tolerance.scale_down, Some(0.2));
    let v = hpa_view(&hpa(
        json!({"scaleDown": {"stabilizationWindowSeconds": 60}}),
    ));
    assert!(!v.tolerance.is_set());
    let v = hpa_view(&hpa(serde_json::Value::Null));
    assert!(!v.tolerance.is_set());
}
