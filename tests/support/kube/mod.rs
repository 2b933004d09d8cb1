//! Shared harness: the loopback API server, a kubeconfig for it, and `run_cluster_source`
//! driven by the real kube client, with condition waits (never sleeps) on the events it sends.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use kedatui::args::cluster::ClusterArgs;
use kedatui::event::{Event, Health, SourceEvent, SourceKind};
use kedatui_core::kube::run_cluster_source;
use kedatui_core::model::PodView;
use testkit::kube::{FakeApiServer, Options};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

pub struct Harness {
    pub server: Arc<FakeApiServer>,
    pub dir: tempfile::TempDir,
    pub events: UnboundedReceiver<Event>,
    pub task: Option<tokio::task::JoinHandle<()>>,
    /// Everything received so far, for failure messages.
    pub seen: Vec<SourceEvent>,
}

pub async fn server() -> FakeApiServer {
    FakeApiServer::start_with(Options {
        seed_demo: true,
        bookmark_interval: Duration::from_secs(1),
        ..Options::default()
    })
    .await
    .expect("fake API server")
}

impl Harness {
    pub async fn new(server: FakeApiServer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        server.write_kubeconfig(&path, "default").unwrap();
        let mut h = Self {
            server: Arc::new(server),
            dir,
            events: unbounded_channel().1,
            task: None,
            seen: Vec::new(),
        };
        h.start();
        h
    }

    pub fn args(&self) -> ClusterArgs {
        ClusterArgs {
            kubeconfig: Some(self.dir.path().join("kubeconfig")),
            ..ClusterArgs::default()
        }
    }

    fn start(&mut self) {
        let args = self.args();
        let (tx, rx) = unbounded_channel();
        self.events = rx;
        self.task = Some(tokio::spawn(async move {
            let (_, cfg) = args
                .client()
                .await
                .expect("client from the generated kubeconfig");
            run_cluster_source(cfg, tx).await;
        }));
    }

    /// Wait until `pick` returns `Some` for a received event; panic after `timeout`.
    pub async fn wait_for<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pick: impl FnMut(&SourceEvent) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Source(e))) => {
                    let found = pick(&e);
                    self.seen.push(e);
                    if let Some(v) = found {
                        return v;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => panic!("cluster source ended while waiting for {what}"),
                Err(_) => {
                    let tail: Vec<String> = self
                        .seen
                        .iter()
                        .rev()
                        .take(8)
                        .map(|e| format!("{e:?}").chars().take(300).collect())
                        .collect();
                    panic!(
                        "timed out after {timeout:?} waiting for {what}; last events (newest first):\n{}",
                        tail.join("\n")
                    );
                }
            }
        }
    }

    pub async fn wait_health(
        &mut self,
        timeout: Duration,
        what: &str,
        mut ok: impl FnMut(&Health) -> bool,
    ) -> Health {
        self.wait_for(timeout, what, |e| match e {
            SourceEvent::Health {
                source: SourceKind::Cluster,
                health,
            } if ok(health) => Some(health.clone()),
            _ => None,
        })
        .await
    }

    /// The latest health already received counts too.
    /// Ready receiver pods `kedasbreceiver-a-1` … `-a-{count}` in `namespace`, the source
    /// connected and all of them listed (the start of the re-list and recovery tests).
    pub async fn ready_pods(&mut self, namespace: &str, count: usize, timeout: Duration) {
        use testkit::kube::demo::{self, PodStage};
        for n in 1..=count {
            let name = format!("kedasbreceiver-a-{n}");
            self.server
                .apply(demo::pod(namespace, &name, PodStage::Ready));
        }
        self.connected().await;
        self.wait_pods(Instant::now(), timeout, "the first pods", |p| {
            p.len() == count
        })
        .await;
    }

    pub async fn connected(&mut self) {
        if self.latest_health() == Some(Health::Connected) {
            return;
        }
        self.wait_health(Duration::from_secs(10), "Health::Connected", |h| {
            *h == Health::Connected
        })
        .await;
    }

    /// Wait for a pod snapshot satisfying `ok`; returns it and how long it took from `since`.
    /// The latest snapshot already received counts too.
    pub async fn wait_pods(
        &mut self,
        since: Instant,
        timeout: Duration,
        what: &str,
        mut ok: impl FnMut(&[PodView]) -> bool,
    ) -> (Vec<PodView>, Duration) {
        if let Some(pods) = self.latest_pods().filter(|p| ok(p)) {
            return (pods, since.elapsed());
        }
        let pods = self
            .wait_for(timeout, what, |e| match e {
                SourceEvent::Pods(p) if ok(p) => Some(p.clone()),
                _ => None,
            })
            .await;
        (pods, since.elapsed())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Harness {
    pub fn latest_health(&self) -> Option<Health> {
        self.seen.iter().rev().find_map(|e| match e {
            SourceEvent::Health {
                source: SourceKind::Cluster,
                health,
            } => Some(health.clone()),
            _ => None,
        })
    }

    pub fn latest_pods(&self) -> Option<Vec<PodView>> {
        self.seen.iter().rev().find_map(|e| match e {
            SourceEvent::Pods(p) => Some(p.clone()),
            _ => None,
        })
    }
}

pub fn names(pods: &[PodView]) -> Vec<&str> {
    let mut n: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    n.sort();
    n
}

pub fn find<'a>(pods: &'a [PodView], name: &str) -> Option<&'a PodView> {
    pods.iter().find(|p| p.name == name)
}
pub mod churn;
