//! The live cluster source against the loopback API server, with the real kube client:
//! pods, Deployment, HPA, ScaledObject and Events arrive as the simulator's events; 410 re-lists
//! leave no ghosts; restarts recover; RBAC, KEDA-missing and unreachable are reported.

use crate::support::kube as kube_support;

use std::time::{Duration, Instant};

use kedatui::event::{ErrorKind, Health, SourceEvent};
use kedatui_core::model::{EventType, names};
use kube_support::{Harness, find, names as pod_names, server};
use serde_json::json;
use testkit::kube::demo::{self, PodStage};
use testkit::kube::{DEPLOYMENTS, PODS};

const NS: &str = demo::NAMESPACE;
const SLOW: Duration = Duration::from_secs(10);

#[test]
fn demo_names_match_the_shared_vocabulary() {
    assert_eq!(demo::NAMESPACE, names::NAMESPACE);
    assert_eq!(demo::DEPLOYMENT, names::DEPLOYMENT);
    assert_eq!(demo::SCALED_OBJECT, names::SCALED_OBJECT);
    assert_eq!(demo::HPA, names::HPA);
    assert_eq!(demo::QUEUE, names::QUEUE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_state_arrives_as_simulator_events() {
    let mut h = Harness::new(server().await).await;
    // Connected is reported after the first snapshots of every watched object.
    h.connected().await;
    let so = h
        .seen
        .iter()
        .find_map(|e| match e {
            SourceEvent::ScaledObject(so) => Some(so.clone()),
            _ => None,
        })
        .expect("ScaledObject before Connected");
    assert_eq!(
        (
            so.name.as_str(),
            so.target_name.as_str(),
            so.queue_name.as_str()
        ),
        (names::SCALED_OBJECT, names::DEPLOYMENT, names::QUEUE)
    );
    assert_eq!(
        (so.min_replicas, so.max_replicas, so.message_count),
        (0, 20, 5)
    );
    let hpa = h
        .seen
        .iter()
        .find_map(|e| match e {
            SourceEvent::Hpa(Some(hpa)) => Some(hpa.clone()),
            _ => None,
        })
        .expect("HPA before Connected");
    assert_eq!(
        (hpa.name.as_str(), hpa.max_replicas, hpa.target_average),
        (names::HPA, 20, Some(5.0))
    );
    assert!(
        h.seen
            .iter()
            .any(|e| matches!(e, SourceEvent::Pods(p) if p.is_empty())),
        "an empty pod list is a snapshot too"
    );

    // The Deployment scales: the new numbers arrive.
    h.server.modify(DEPLOYMENTS, NS, demo::DEPLOYMENT, |d| {
        d["spec"]["replicas"] = json!(3);
        d["status"] = json!({"replicas": 3, "readyReplicas": 1});
    });
    let d = h
        .wait_for(SLOW, "Deployment at 3", |e| match e {
            SourceEvent::Deployment(d) if d.spec_replicas == 3 => Some(d.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (d.name.as_str(), d.status_replicas, d.ready_replicas),
        (names::DEPLOYMENT, 3, 1)
    );
}

/// Each change reaches the App's channel. How fast is a benchmark's question, not a test's:
/// `cargo bench --bench kube_latency` (docs/live-cluster.md, "Event-to-App latency").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_created_updated_and_deleted_each_show() {
    let mut h = Harness::new(server().await).await;
    h.connected().await;
    let name = "kedasbreceiver-7d9f8b6c5d-b4k2z";

    let t = Instant::now();
    h.server
        .apply(demo::pod(NS, name, PodStage::ContainerCreating));
    let (pods, _) = h
        .wait_pods(t, SLOW, "created pod", |p| find(p, name).is_some())
        .await;
    assert_eq!(find(&pods, name).unwrap().status, "ContainerCreating");

    let t = Instant::now();
    h.server
        .modify(PODS, NS, name, |p| demo::set_stage(p, PodStage::Ready));
    let (pods, _) = h
        .wait_pods(t, SLOW, "Running 1/1", |p| {
            find(p, name).is_some_and(|p| p.status == "Running")
        })
        .await;
    let pod = find(&pods, name).unwrap();
    assert_eq!(
        (
            pod.ready_containers,
            pod.total_containers,
            pod.node.as_deref()
        ),
        (1, 1, Some("aks-nodepool1-0"))
    );

    let t = Instant::now();
    h.server.modify(PODS, NS, name, |p| {
        p["metadata"]["deletionTimestamp"] = json!("2026-11-27T21:00:00Z")
    });
    let _ = h
        .wait_pods(t, SLOW, "Terminating", |p| {
            find(p, name).is_some_and(|p| p.status == "Terminating")
        })
        .await;

    let t = Instant::now();
    h.server.delete(PODS, NS, name);
    let (pods, _) = h
        .wait_pods(t, SLOW, "pod gone", |p| find(p, name).is_none())
        .await;
    assert!(pods.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_outside_the_selector_are_not_shown() {
    let mut h = Harness::new(server().await).await;
    h.connected().await;
    let mut other = demo::pod(NS, "web-1", PodStage::Ready);
    other["metadata"]["labels"] = json!({"app": "web"});
    h.server.apply(other);
    h.server
        .apply(demo::pod(NS, "kedasbreceiver-a-1", PodStage::Pending));
    let (pods, _) = h
        .wait_pods(Instant::now(), SLOW, "receiver pod", |p| !p.is_empty())
        .await;
    assert_eq!(pod_names(&pods), ["kedasbreceiver-a-1"]);
    // Relabelled out of the selector: the watch reports it deleted.
    h.server.modify(PODS, NS, "kedasbreceiver-a-1", |p| {
        p["metadata"]["labels"] = json!({"app": "moved"})
    });
    h.wait_pods(Instant::now(), SLOW, "relabelled pod gone", |p| {
        p.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_resource_version_relists_with_no_ghosts() {
    let mut h = Harness::new(server().await).await;
    h.ready_pods(NS, 3, SLOW).await;
    let lists_before = pod_lists(&h);

    // Changes the watch never delivers (compacted away), then the 410.
    h.server.unobserved(|s| {
        s.delete(PODS, NS, "kedasbreceiver-a-2");
        s.apply(demo::pod(NS, "kedasbreceiver-a-4", PodStage::Pending));
    });
    h.server.expire_resource_versions();
    // The header says so while the watcher backs off and re-lists.
    h.wait_health(
        SLOW,
        "re-listing",
        |h| matches!(h, Health::Reconnecting(m) if m.contains("listing pods")),
    )
    .await;
    let (pods, _) = h
        .wait_pods(Instant::now(), SLOW, "re-listed pods", |p| {
            pod_names(p)
                == [
                    "kedasbreceiver-a-1",
                    "kedasbreceiver-a-3",
                    "kedasbreceiver-a-4",
                ]
        })
        .await;
    assert_eq!(find(&pods, "kedasbreceiver-a-4").unwrap().status, "Pending");
    assert!(
        pod_lists(&h) > lists_before,
        "the 410 must cause a new list request"
    );
    assert!(
        h.server.requests().iter().any(|r| r.contains("/pods?")
            && r.contains("watch=true")
            && r.contains("allowWatchBookmarks=true")),
        "watches ask for bookmarks"
    );
}

fn pod_lists(h: &Harness) -> usize {
    h.server
        .requests()
        .iter()
        .filter(|r| {
            r.starts_with("GET /api/v1/namespaces/keda-demo/pods?") && !r.contains("watch=true")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_server_restart_recovers_within_5s() {
    let mut h = Harness::new(server().await).await;
    h.ready_pods(NS, 1, SLOW).await;

    let t = Instant::now();
    h.server.restart(Duration::from_millis(300)).await.unwrap();
    h.server
        .apply(demo::pod(NS, "kedasbreceiver-a-2", PodStage::Pending));
    let reconnecting = h
        .wait_health(SLOW, "reconnecting", |h| {
            matches!(h, Health::Reconnecting(_))
        })
        .await;
    assert!(
        matches!(reconnecting, Health::Reconnecting(ref m) if m.contains("API server")),
        "{reconnecting:?}"
    );
    h.wait_pods(
        t,
        Duration::from_secs(5),
        "pod created during the restart",
        |p| find(p, "kedasbreceiver-a-2").is_some(),
    )
    .await;
    h.connected().await;
    assert!(
        t.elapsed() <= Duration::from_secs(5),
        "recovery took {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_forbidden_names_the_verb_resource_and_grant_file() {
    let server = server().await;
    server.forbid("list", "pods");
    let mut h = Harness::new(server).await;
    let health = h
        .wait_health(SLOW, "Down(Forbidden)", |h| matches!(h, Health::Down(_)))
        .await;
    let Health::Down(err) = health else {
        unreachable!()
    };
    assert_eq!(
        err.kind,
        ErrorKind::Forbidden {
            verb: "list".into(),
            resource: "pods".into(),
            grant_file: "yaml/rbac.yaml".into()
        }
    );
    assert!(
        err.message
            .contains("may not list pods in namespace keda-demo"),
        "{}",
        err.message
    );
    // Granting it heals without a restart of kedatui.
    h.server.allow("list", "pods");
    h.connected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_keda_crd_says_keda_is_not_installed() {
    let server = server().await;
    server.set_keda_installed(false);
    let mut h = Harness::new(server).await;
    let health = h
        .wait_health(SLOW, "Down(KedaNotInstalled)", |h| {
            matches!(h, Health::Down(_))
        })
        .await;
    let Health::Down(err) = health else {
        unreachable!()
    };
    assert_eq!(err.kind, ErrorKind::KedaNotInstalled);
    assert!(
        err.message.starts_with("KEDA is not installed"),
        "{}",
        err.message
    );
    // Installing KEDA and the ScaledObject heals it.
    h.server.set_keda_installed(true);
    h.server.apply(demo::scaled_object(NS, true));
    h.connected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scaled_object_is_not_found() {
    let server = server().await;
    server.delete(testkit::kube::SCALED_OBJECTS, NS, demo::SCALED_OBJECT);
    let mut h = Harness::new(server).await;
    let health = h
        .wait_health(SLOW, "Down(NotFound)", |h| matches!(h, Health::Down(_)))
        .await;
    let Health::Down(err) = health else {
        unreachable!()
    };
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        err.message,
        "scaledobjects keda-demo/kedasbreceiver-scaler not found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cluster_is_reported_down() {
    let server = server().await;
    let mut h = Harness::new(server).await;
    h.connected().await;
    h.server.stop();
    // Nothing changes until the watches notice; a stopped server refuses the reconnects.
    let health = h
        .wait_health(
            Duration::from_secs(20),
            "Down(Unreachable)",
            |h| matches!(h, Health::Down(e) if e.kind == ErrorKind::Unreachable),
        )
        .await;
    let Health::Down(err) = health else {
        unreachable!()
    };
    assert!(
        err.message.starts_with("cannot reach the API server"),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains(h.server.token()),
        "no credentials in messages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_about_the_demo_arrive_once() {
    let mut h = Harness::new(server().await).await;
    h.connected().await;
    h.server.apply(demo::event(
        NS,
        "e-unrelated",
        "Pod",
        "web-1",
        "Pulled",
        "pulled",
        "kubelet",
    ));
    h.server.apply(demo::event(
        NS,
        "e-activated",
        "ScaledObject",
        demo::SCALED_OBJECT,
        "KEDAScaleTargetActivated",
        "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1",
        "keda-operator",
    ));
    let ev = h
        .wait_for(SLOW, "ClusterEvent", |e| match e {
            SourceEvent::ClusterEvent(ev) => Some(ev.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (ev.reason.as_str(), ev.object.as_str(), ev.source.as_str()),
        (
            "KEDAScaleTargetActivated",
            "ScaledObject/kedasbreceiver-scaler",
            "keda-operator"
        )
    );
    assert_eq!(ev.type_, EventType::Normal);

    // A re-list does not repeat it; a count bump does show.
    h.server.expire_resource_versions();
    h.server
        .modify(testkit::kube::EVENTS, NS, "e-activated", |e| {
            e["count"] = json!(2)
        });
    let ev = h
        .wait_for(SLOW, "second ClusterEvent", |e| match e {
            SourceEvent::ClusterEvent(ev) => Some(ev.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ev.count, 2, "the re-list must not replay the first copy");
    assert!(
        !h.seen
            .iter()
            .any(|e| matches!(e, SourceEvent::ClusterEvent(ev) if ev.object == "Pod/web-1"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keda_uninstalled_while_watching_says_so() {
    let mut h = Harness::new(server().await).await;
    h.connected().await;
    h.server.set_keda_installed(false);
    let health = h
        .wait_health(
            SLOW,
            "Down(KedaNotInstalled)",
            |h| matches!(h, Health::Down(e) if e.kind == ErrorKind::KedaNotInstalled),
        )
        .await;
    assert!(
        matches!(health, Health::Down(ref e) if e.message.starts_with("KEDA is not installed"))
    );
}
