//! Event-to-App latency with 500 pods churning through the loopback API server and the real
//! kube-rs watchers: from just before the server commits a change to the first `SourceEvent::Pods`
//! snapshot carrying it in the App's channel. Prints p50/p99/max over the churn.
//! `cargo bench --bench kube_latency`; figures in docs/live-cluster.md ("Event-to-App latency").
//! Under `cargo test --benches` it runs a short churn once, as a smoke test.

#[path = "../tests/support/kube/mod.rs"]
mod kube_support;

use std::time::Duration;

use kube_support::churn::{self, Churn};

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let scenario = Churn {
        pods: 500,
        changes: if smoke { 100 } else { 2000 },
        rate: 200,
        lose_delete: None,
        stall: Duration::from_secs(60),
    };
    // Two workers, as on the 2-core boxes the goal (p99 ≤ 100 ms) is set for.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let mut h = churn::seeded(scenario.pods).await;
        churn::run(&mut h, scenario).await
    });
    let mut l = out.latencies;
    l.sort();
    let at = |q: f64| l[((l.len() as f64 * q) as usize).min(l.len() - 1)];
    println!(
        "kube_latency: {} changes to {} pods at {}/s, {} snapshots: p50 {:?}, p99 {:?}, max {:?}",
        l.len(),
        scenario.pods,
        scenario.rate,
        out.snapshots,
        at(0.50),
        at(0.99),
        l[l.len() - 1],
    );
}
