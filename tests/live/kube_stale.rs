//! Issue 18 item 9 and issue 19 item 5 against the real kube-rs watchers: the cluster's health
//! does not rest on the watches alone. A draining API server (new connections refused, open
//! watches held and silent) turns the header to `reconnecting` within 5 s, and an API server
//! that accepts connections and never answers ends in `DOWN` with a reason, not in an endless
//! `looking up ScaledObject …`.

use crate::support::kube as kube_support;

use std::time::{Duration, Instant};

use kedatui::args::cluster::ClusterArgs;
use kedatui::event::{ErrorKind, Event, Health, SourceEvent, SourceKind};
use kedatui_core::kube::run_cluster_source;
use kube_support::{Harness, names as pod_names, server};
use testkit::kube::PODS;
use testkit::kube::demo;
use tokio::sync::mpsc::unbounded_channel;

const NS: &str = demo::NAMESPACE;
const SLOW: Duration = Duration::from_secs(10);
/// The bound: the header leaves `ok` within this of the API server going away
/// (a deadline on a condition, not a measurement).
const NOTICED: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_api_server_turns_the_cluster_reconnecting_and_back() {
    let mut h = Harness::new(server().await).await;
    h.ready_pods(NS, 1, SLOW).await;
    // Every watcher has its watch open (a watch starts just after its list): the drain holds
    // them all, as on stage long after the start.
    let deadline = Instant::now() + SLOW;
    while h
        .server
        .requests()
        .iter()
        .filter(|r| r.contains("watch=true"))
        .count()
        < 5
    {
        assert!(Instant::now() < deadline, "the five watches never started");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    h.server.drain();
    // The lab scales to 0 meanwhile: the held watches never say so.
    h.server.delete(PODS, NS, "kedasbreceiver-a-1");
    let t = Instant::now();
    let mut pods_changed = false;
    let health = h
        .wait_for(NOTICED, "the cluster no longer ok", |e| match e {
            SourceEvent::Pods(_) => {
                pods_changed = true;
                None
            }
            SourceEvent::Health {
                source: SourceKind::Cluster,
                health,
            } if *health != Health::Connected => Some(health.clone()),
            _ => None,
        })
        .await;
    println!("noticed after {:?}: {health:?}", t.elapsed());

    // The probe noticed, not a watcher: every watch was still held open.
    let failed_watchers: Vec<String> = h
        .seen
        .iter()
        .rev()
        .take_while(|e| !matches!(e, SourceEvent::Pods(_)))
        .filter_map(|e| match e {
            SourceEvent::ResourceHealth { resource, health } if *health != Health::Connected => {
                Some(format!("{resource:?}: {health:?}"))
            }
            _ => None,
        })
        .collect();
    println!("watchers failed meanwhile: {failed_watchers:?}");
    assert!(
        !pods_changed,
        "the draining server held its watches (no pod change got through)"
    );
    match &health {
        Health::Reconnecting(why) => assert!(
            why.contains("cannot reach the API server") && why.contains("retrying"),
            "{why}"
        ),
        other => panic!("reconnecting first, not {other:?}"),
    }

    // The server comes back: every watcher starts afresh and the deleted pod is gone.
    h.server.restart(Duration::ZERO).await.unwrap();
    h.wait_pods(Instant::now(), SLOW, "no pods after the re-list", |p| {
        pod_names(p).is_empty()
    })
    .await;
    h.wait_health(SLOW, "ok again", |h| *h == Health::Connected)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_that_never_answers_ends_down_with_a_reason() {
    let hole = testkit::proxy::BlackHole::start().unwrap();
    let fake = server().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let yaml = fake.kubeconfig_yaml("default").replace(
        &format!("127.0.0.1:{}", fake.addr().port()),
        &format!("127.0.0.1:{}", hole.port()),
    );
    std::fs::write(&path, yaml).unwrap();
    drop(fake);
    let args = ClusterArgs {
        kubeconfig: Some(path),
        ..ClusterArgs::default()
    };
    let (_, cfg) = args.client().await.unwrap();
    let (tx, mut rx) = unbounded_channel::<Event>();
    let task = tokio::spawn(run_cluster_source(cfg, tx));
    let mut seen = Vec::new();
    let down = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(e) = rx.recv().await {
            if let Event::Source(SourceEvent::Health {
                source: SourceKind::Cluster,
                health,
            }) = e
            {
                seen.push(health.clone());
                if let Health::Down(err) = health {
                    return err;
                }
            }
        }
        panic!("the source ended")
    })
    .await
    .unwrap_or_else(|_| panic!("never DOWN; health so far: {seen:?}"));
    task.abort();
    assert!(hole.accepted() > 0, "the client did connect");
    assert_eq!(down.kind, ErrorKind::Timeout, "{down:?}");
    assert!(
        down.message.contains("no answer within 10s")
            && down.message.contains("looking up ScaledObject keda-demo/"),
        "{}",
        down.message
    );
}

/// The fake itself: a draining server refuses new connections, and a watch opened before the
/// drain stays open (no end of stream) and delivers nothing more, even for a change made after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_holds_its_watches_while_draining() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = server().await;
    let mut watch = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let request = format!(
        "GET /api/v1/namespaces/{NS}/pods?watch=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        fake.token()
    );
    watch.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // Until the response head: the watch is open.
    while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
        let n = tokio::time::timeout(SLOW, watch.read(&mut buf))
            .await
            .expect("the watch's response head")
            .unwrap();
        assert!(n > 0, "the watch ended before its head");
        got.extend_from_slice(&buf[..n]);
    }
    fake.drain();
    let deadline = Instant::now() + SLOW;
    while tokio::net::TcpStream::connect(fake.addr()).await.is_ok() {
        assert!(Instant::now() < deadline, "new connections still accepted");
        tokio::task::yield_now().await;
    }
    fake.apply(demo::pod(NS, "kedasbreceiver-a-1", demo::PodStage::Ready));
    // Bounded look at a held connection: neither the new pod nor an end of stream arrives.
    match tokio::time::timeout(Duration::from_millis(500), watch.read(&mut buf)).await {
        Err(_) => {}
        Ok(Ok(0)) => panic!("the draining server closed the watch"),
        Ok(r) => panic!(
            "the held watch delivered {r:?}: {}",
            String::from_utf8_lossy(&buf)
        ),
    }
}
