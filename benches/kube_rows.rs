//! The cluster source's per-snapshot cost with 500 pods: building every row from scratch (a
//! re-list) and re-deriving one changed pod among 500 cached rows (steady churn).
//! `cargo bench --bench kube_rows`; figures in docs/live-cluster.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Pod;
use kedatui_core::kube::watch::PodRows;
use serde_json::json;

fn pods(n: usize, rv: usize) -> Vec<Arc<Pod>> {
    (0..n)
        .map(|i| {
            Arc::new(
                serde_json::from_value(json!({
                    "metadata": {"name": format!("kedasbreceiver-7d9f8b6c5d-{i:05}"), "namespace": "keda-demo",
                                 "resourceVersion": format!("{}", if i == 0 { rv } else { i + 1_000_000 }),
                                 "creationTimestamp": "2026-11-27T21:00:00Z"},
                    "spec": {"containers": [{"name": "receiver", "image": "kedasbreceiver:demo"}], "nodeName": "aks-nodepool1-0"},
                    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                               "containerStatuses": [{"name": "receiver", "image": "i", "imageID": "", "ready": true,
                                                      "restartCount": 1, "state": {"running": {}},
                                                      "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-27T21:01:00Z"}}}]}
                }))
                .unwrap(),
            )
        })
        .collect()
}

fn snapshots(c: &mut Criterion) {
    let all = pods(500, 1);
    c.bench_function("pod rows: 500 pods, all new (re-list)", |b| {
        b.iter(|| PodRows::default().snapshot(black_box(&all)))
    });
    let mut rows = PodRows::default();
    rows.snapshot(&all);
    let mut rv = 1;
    c.bench_function("pod rows: 500 pods, one changed (churn)", |b| {
        // By reference: dropping the 500 input pods is the reflector's business, not the rows'.
        b.iter_batched_ref(
            || {
                rv += 1;
                pods(500, rv)
            },
            |changed| rows.snapshot(black_box(changed)),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, snapshots);
criterion_main!(benches);
