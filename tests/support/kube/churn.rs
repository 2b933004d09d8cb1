//! The 500-pod churn scenario, shared by the correctness test (`tests/live/kube_churn.rs`) and the
//! latency benchmark (`benches/kube_latency.rs`, which includes this directory with `#[path]`).
//!
//! The loopback API server holds `pods` receiver pods; a task changes them at a steady rate
//! (restart-count updates, plus a delete and a create every tenth change), booking each change
//! with the instant just before the server commits it. [`run`] reads the `SourceEvent::Pods`
//! snapshots the App would read and ticks each change off in the first snapshot that carries it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kedatui::event::SourceEvent;
use kedatui_core::model::PodView;
use serde_json::json;
use testkit::kube::PODS;
use testkit::kube::demo::{self, PodStage};

use super::{Harness, server};

#[derive(Clone, Copy, Debug)]
pub struct Churn {
    pub pods: usize,
    pub changes: u32,
    /// Changes per second.
    pub rate: u32,
    /// Commit the delete of change `n` (a multiple of 10) unseen by live watches: a lost event.
    pub lose_delete: Option<u32>,
    /// Fail when no snapshot ticks anything off for this long while changes are outstanding.
    pub stall: Duration,
}

pub struct Outcome {
    /// Per change: from just before the server committed it to the first snapshot carrying it.
    pub latencies: Vec<Duration>,
    pub snapshots: usize,
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A pod shows this restart count (or a later one).
    Restarts(usize, u32),
    Present(usize),
    Absent(usize),
}

impl Expect {
    fn describe(&self) -> String {
        match *self {
            Expect::Restarts(i, n) => format!("{} restarts >= {n}", pod_name(i)),
            Expect::Present(i) => format!("{} present", pod_name(i)),
            Expect::Absent(i) => format!("{} absent", pod_name(i)),
        }
    }
}

#[derive(Default)]
struct Book {
    pending: HashMap<u32, (Expect, Instant)>,
    /// Set by the churn task under the same lock as its last booking.
    done: bool,
}

pub fn pod_name(i: usize) -> String {
    format!("kedasbreceiver-7d9f8b6c5d-{i:05}")
}

/// The loopback server seeded with `pods` Ready pods, and the cluster source connected to it with
/// all of them in its first snapshot.
pub async fn seeded(pods: usize) -> Harness {
    let server = server().await;
    for i in 0..pods {
        server.apply(demo::pod(demo::NAMESPACE, &pod_name(i), PodStage::Ready));
    }
    let mut h = Harness::new(server).await;
    h.wait_pods(
        Instant::now(),
        Duration::from_secs(60),
        "the seeded pods",
        |p| p.len() == pods,
    )
    .await;
    h.connected().await;
    h
}

/// Churn the pods of [`seeded`] and wait until every change has reached the App's channel;
/// panics (naming the outstanding changes) if none arrives for `churn.stall`.
pub async fn run(h: &mut Harness, churn: Churn) -> Outcome {
    let book: Arc<Mutex<Book>> = Arc::default();
    let task = {
        let (server, book) = (h.server.clone(), book.clone());
        tokio::spawn(async move {
            // Pacing the load generator, not synchronising: each change is waited for below.
            let mut every = tokio::time::interval(Duration::from_secs(1) / churn.rate);
            let mut next_new = churn.pods;
            let mut live: Vec<usize> = (0..churn.pods).collect();
            for seq in 1..=churn.changes {
                every.tick().await;
                let slot = seq as usize % live.len();
                let i = live[slot];
                let mut book = book.lock().unwrap();
                if seq % 10 == 0 {
                    // Scale-in and scale-out churn: one pod goes, a new one comes.
                    book.pending
                        .insert(seq, (Expect::Absent(i), Instant::now()));
                    if churn.lose_delete == Some(seq) {
                        server.unobserved(|s| s.delete(PODS, demo::NAMESPACE, &pod_name(i)));
                    } else {
                        server.delete(PODS, demo::NAMESPACE, &pod_name(i));
                    }
                    live[slot] = next_new;
                    book.pending.insert(
                        seq + churn.changes,
                        (Expect::Present(next_new), Instant::now()),
                    );
                    server.apply(demo::pod(
                        demo::NAMESPACE,
                        &pod_name(next_new),
                        PodStage::Pending,
                    ));
                    next_new += 1;
                } else {
                    book.pending
                        .insert(seq, (Expect::Restarts(i, seq), Instant::now()));
                    server.modify(PODS, demo::NAMESPACE, &pod_name(i), |p| {
                        p["status"]["containerStatuses"][0]["restartCount"] = json!(seq)
                    });
                }
                book.done = seq == churn.changes;
            }
        })
    };

    let mut latencies = Vec::new();
    let mut snapshots = 0;
    loop {
        let outstanding = {
            let book = book.lock().unwrap();
            if book.done && book.pending.is_empty() {
                break;
            }
            let mut oldest: Vec<_> = book.pending.iter().collect();
            oldest.sort_by_key(|(seq, _)| **seq);
            let list: Vec<String> = oldest
                .iter()
                .take(5)
                .map(|(_, (e, _))| e.describe())
                .collect();
            format!(
                "a pod snapshot ({} changes outstanding, oldest: {})",
                book.pending.len(),
                list.join(", ")
            )
        };
        let pods = h
            .wait_for(churn.stall, &outstanding, |e| match e {
                SourceEvent::Pods(p) => Some(p.clone()),
                _ => None,
            })
            .await;
        let received = Instant::now();
        // Only the latest snapshot matters; keep the failure log short.
        let keep = h.seen.len().saturating_sub(8);
        h.seen.drain(..keep);
        snapshots += 1;
        let by_name: HashMap<&str, u32> =
            pods.iter().map(|p| (p.name.as_str(), p.restarts)).collect();
        book.lock().unwrap().pending.retain(|_, (expect, sent)| {
            let seen = match *expect {
                Expect::Restarts(i, n) => {
                    by_name.get(pod_name(i).as_str()).is_some_and(|r| *r >= n)
                }
                Expect::Present(i) => by_name.contains_key(pod_name(i).as_str()),
                Expect::Absent(i) => !by_name.contains_key(pod_name(i).as_str()),
            };
            if seen {
                latencies.push(received.duration_since(*sent));
            }
            !seen
        });
    }
    task.await.unwrap();
    Outcome {
        latencies,
        snapshots,
    }
}

/// Name and restart count of every pod the server holds, sorted.
pub fn server_state(h: &Harness) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = h
        .server
        .names(PODS, demo::NAMESPACE)
        .into_iter()
        .map(|name| {
            let pod = h.server.get(PODS, demo::NAMESPACE, &name).unwrap();
            let restarts = pod["status"]["containerStatuses"][0]["restartCount"]
                .as_u64()
                .unwrap_or(0) as u32;
            (name, restarts)
        })
        .collect();
    out.sort();
    out
}

/// Name and restart count of every pod in a snapshot, sorted.
pub fn snapshot_state(pods: &[PodView]) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = pods.iter().map(|p| (p.name.clone(), p.restarts)).collect();
    out.sort();
    out
}
