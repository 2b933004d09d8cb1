//! Issue #10 items 6 and 10 against the loopback API server with the real kube-rs watchers:
//! a 410 re-lists at once; after a long outage every watcher (pods, Deployment, HPA,
//! ScaledObject) is right within 5 s of the API server answering again; a fresh server on the
//! same port (a restarted fake) leaves no ghosts; an Events API that is forbidden or not served
//! leaves the cluster `ok` and says `events unavailable (…)` in the events panel.

use crate::support::kube as kube_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kedatui::app::{App, AppConfig, Mode};
use kedatui::event::{ClusterResource, ErrorKind, Event, Health, SourceEvent};
use kube_support::{Harness, names as pod_names, server};
use serde_json::json;
use testkit::kube::demo::{self, PodStage};
use testkit::kube::{DEPLOYMENTS, FakeApiServer, HPAS, Options, PODS, SCALED_OBJECTS};

const NS: &str = demo::NAMESPACE;
const SLOW: Duration = Duration::from_secs(10);
/// How soon after the API server answers again every watcher must be right (#10.6).
const RECOVERY: Duration = Duration::from_secs(5);

/// The console's screen for everything the cluster source reported, at 120×40.
fn screen(seen: &[SourceEvent]) -> String {
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(Event::Tick {
        now: jiff::Timestamp::now(),
    });
    for e in seen {
        app.update(Event::Source(e.clone()));
    }
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    terminal.backend().to_string()
}

/// #10.10: without the Events API (403 from RBAC, or 404 from a server without it) the cluster
/// health speaks for the pods, Deployment, HPA and ScaledObject: `cluster ok`; the events panel
/// says why it is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_forbidden_or_not_served_leave_the_cluster_ok() {
    type Refuse = fn(&FakeApiServer);
    let cases: [(&str, Refuse, &str); 2] = [
        (
            "forbidden",
            |s| {
                s.forbid("list", "events");
                s.forbid("watch", "events");
            },
            "events unavailable (forbidden)",
        ),
        (
            "not served",
            |s| s.set_served("events", false),
            "events unavailable (not served)",
        ),
    ];
    for (name, refuse, panel) in cases {
        let server = server().await;
        refuse(&server);
        server.apply(demo::pod(NS, "kedasbreceiver-a-1", PodStage::Ready));
        let mut h = Harness::new(server).await;
        let events = h
            .wait_for(SLOW, "the Events API's own health", |e| match e {
                SourceEvent::ResourceHealth {
                    resource: ClusterResource::Events,
                    health: Health::Down(err),
                } => Some(err.clone()),
                _ => None,
            })
            .await;
        match name {
            "forbidden" => assert!(
                matches!(events.kind, ErrorKind::Forbidden { .. }),
                "{name}: {events:?}"
            ),
            _ => assert_eq!(events.kind, ErrorKind::NotFound, "{name}"),
        }
        h.connected().await;
        h.wait_pods(Instant::now(), SLOW, "the pod", |p| p.len() == 1)
            .await;
        let text = screen(&h.seen);
        assert!(text.contains("cluster ok"), "{name}:\n{text}");
        assert!(text.contains(panel), "{name}:\n{text}");
        assert!(!text.contains("cluster DOWN"), "{name}:\n{text}");
        // Granted again: the panel goes back to events.
        match name {
            "forbidden" => {
                h.server.allow("list", "events");
                h.server.allow("watch", "events");
            }
            _ => h.server.set_served("events", true),
        }
        h.wait_for(SLOW, "events readable again", |e| {
            matches!(
                e,
                SourceEvent::ResourceHealth {
                    resource: ClusterResource::Events,
                    health: Health::Connected,
                }
            )
            .then_some(())
        })
        .await;
        let text = screen(&h.seen);
        assert!(!text.contains("events unavailable"), "{name}:\n{text}");
    }
}

/// #10.6: a 410 re-lists at once (kube-rs's default back-off waited at least 0.8 s), and the
/// header says `re-listing` meanwhile, not `ok`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_relists_at_once() {
    let mut h = Harness::new(server().await).await;
    for n in ["kedasbreceiver-a-1", "kedasbreceiver-a-2"] {
        h.server.apply(demo::pod(NS, n, PodStage::Ready));
    }
    h.connected().await;
    h.wait_pods(Instant::now(), SLOW, "two pods", |p| p.len() == 2)
        .await;
    // A change the watch never sees, then the 410.
    h.server.unobserved(|s| {
        s.delete(PODS, NS, "kedasbreceiver-a-2");
    });
    let t = Instant::now();
    h.server.expire_resource_versions();
    // Each watcher's 410 is said as it arrives: the pods' one names the pods.
    h.wait_health(SLOW, "re-listing pods", |h| {
        matches!(h, Health::Reconnecting(m) if m.starts_with("re-listing") && m.contains("pods"))
    })
    .await;
    let (_, took) = h
        .wait_pods(t, SLOW, "the re-listed pods", |p| {
            pod_names(p) == ["kedasbreceiver-a-1"]
        })
        .await;
    h.connected().await;
    let all = t.elapsed();
    assert!(
        took < Duration::from_millis(700) && all < Duration::from_millis(700),
        "re-list took {took:?}, ok again after {all:?}"
    );
}

/// #10.6: after an outage long enough for the header to say DOWN, every watcher is right within
/// 5 s of the API server answering again, the quiet Deployment, HPA and ScaledObject watchers
/// as much as the pods (kube-rs's default back-off had grown to 12.8 s or more by then).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_watcher_recovers_within_5s_of_a_long_outage() {
    let mut h = Harness::new(server().await).await;
    h.ready_pods(NS, 1, SLOW).await;

    h.server.stop();
    // What changes while the API server is away.
    h.server.delete(PODS, NS, "kedasbreceiver-a-1");
    h.server
        .apply(demo::pod(NS, "kedasbreceiver-b-1", PodStage::Ready));
    h.server.modify(DEPLOYMENTS, NS, demo::DEPLOYMENT, |d| {
        d["spec"]["replicas"] = json!(4);
        d["status"] = json!({"replicas": 4, "readyReplicas": 4});
    });
    h.server.modify(HPAS, NS, demo::HPA, |hpa| {
        hpa["status"]["currentReplicas"] = json!(4);
        hpa["status"]["desiredReplicas"] = json!(4);
    });
    h.server
        .modify(SCALED_OBJECTS, NS, demo::SCALED_OBJECT, |so| {
            so["spec"]["pollingInterval"] = json!(7);
        });
    h.wait_health(
        Duration::from_secs(30),
        "DOWN after the grace period",
        |h| matches!(h, Health::Down(e) if e.kind == ErrorKind::Unreachable),
    )
    .await;

    h.server.restart(Duration::ZERO).await.unwrap();
    let t = Instant::now();
    let (mut pods, mut deployment, mut hpa, mut so) = (None, None, None, None);
    h.wait_for(RECOVERY, "every watcher caught up", |e| {
        let elapsed = t.elapsed();
        match e {
            SourceEvent::Pods(p) if pod_names(p) == ["kedasbreceiver-b-1"] => {
                pods.get_or_insert(elapsed);
            }
            SourceEvent::Deployment(d) if d.spec_replicas == 4 => {
                deployment.get_or_insert(elapsed);
            }
            SourceEvent::Hpa(Some(x)) if x.current_replicas == 4 => {
                hpa.get_or_insert(elapsed);
            }
            SourceEvent::ScaledObject(x) if x.polling_interval.as_secs() == 7 => {
                so.get_or_insert(elapsed);
            }
            _ => {}
        }
        (pods.is_some() && deployment.is_some() && hpa.is_some() && so.is_some()).then_some(())
    })
    .await;
    h.connected().await;
    println!(
        "recovery after the restart: pods {pods:?}, Deployment {deployment:?}, HPA {hpa:?}, ScaledObject {so:?}, ok {:?}",
        t.elapsed()
    );
    assert!(t.elapsed() <= RECOVERY, "ok again after {:?}", t.elapsed());
}

/// #10.6: a fresh API server on the same port (a restarted fake with its own state) answers the
/// old server's resourceVersion with 410, so the watchers re-list: no ghost pods.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_server_on_the_same_port_leaves_no_ghosts() {
    let mut h = Harness::new(server().await).await;
    h.ready_pods(NS, 3, SLOW).await;

    let (port, token) = (h.server.addr().port(), h.server.token().to_owned());
    h.server.stop();
    // The old listener closes as its task is aborted: retry the bind until the port is free.
    let deadline = Instant::now() + SLOW;
    let fresh = loop {
        match FakeApiServer::start_with(Options {
            port,
            token: Some(token.clone()),
            seed_demo: true,
            bookmark_interval: Duration::from_secs(1),
            ..Options::default()
        })
        .await
        {
            Ok(s) => break s,
            Err(e) if Instant::now() < deadline => {
                eprintln!("port {port} not free yet: {e}");
                tokio::task::yield_now().await;
            }
            Err(e) => panic!("rebinding port {port}: {e}"),
        }
    };
    fresh.apply(demo::pod(NS, "kedasbreceiver-a-1", PodStage::Ready));
    fresh.apply(demo::pod(NS, "kedasbreceiver-b-1", PodStage::Pending));
    h.server = Arc::new(fresh);
    let t = Instant::now();
    let (pods, took) = h
        .wait_pods(t, RECOVERY, "the fresh server's pods, no ghosts", |p| {
            pod_names(p) == ["kedasbreceiver-a-1", "kedasbreceiver-b-1"]
        })
        .await;
    assert_eq!(pods.len(), 2);
    println!("fresh server: pods right after {took:?}");
    h.connected().await;
}
