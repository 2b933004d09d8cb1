//! Correctness under churn: 500 receiver pods change in the loopback API server (restart counts,
//! plus a delete and a create every tenth change) while the real kube-rs watchers follow them.
//! Every change must reach the App's channel in a `SourceEvent::Pods` snapshot, deleted pods must
//! leave no ghosts, and the last snapshot must equal the server's state. No timing is asserted:
//! latency is measured by `cargo bench --bench kube_latency` (docs/live-cluster.md, "Event-to-App latency").

use crate::support::kube as kube_support;

use std::time::{Duration, Instant};

use kube_support::churn::{self, Churn};

const SCENARIO: Churn = Churn {
    pods: 500,
    changes: 600,
    rate: 300,
    lose_delete: None,
    // Generous: a debug build on a loaded 2-core box can fall seconds behind, never this far.
    stall: Duration::from_secs(60),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_to_500_churning_pods_reaches_the_app_and_the_last_snapshot_matches_the_server()
 {
    let mut h = churn::seeded(SCENARIO.pods).await;
    let out = churn::run(&mut h, SCENARIO).await;
    // 600 changes, 60 of them a delete plus a create.
    assert_eq!(out.latencies.len(), 660);

    let want = churn::server_state(&h);
    assert_eq!(want.len(), SCENARIO.pods, "one pod created per pod deleted");
    let (got, _) = h
        .wait_pods(
            Instant::now(),
            SCENARIO.stall,
            "a snapshot equal to the server's pods",
            |p| churn::snapshot_state(p) == want,
        )
        .await;
    assert_eq!(churn::snapshot_state(&got), want);
}

/// The check above can fail: a delete the watches never see leaves a ghost, and the scenario
/// names it once nothing arrives for `stall`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "kedasbreceiver-7d9f8b6c5d-00020 absent")]
async fn a_lost_delete_is_reported_as_a_ghost() {
    let scenario = Churn {
        pods: 100,
        changes: 40,
        lose_delete: Some(20),
        stall: Duration::from_secs(10),
        ..SCENARIO
    };
    let mut h = churn::seeded(scenario.pods).await;
    churn::run(&mut h, scenario).await;
}
