//! Connection set-up on loopback, as `kedatui send` and the console do it before the first
//! batch: TCP connect, AMQP open, CBS put-token, sender attach (`LiveSender::ensure_sender`),
//! against the testkit broker. #10 item 11: without TCP_NODELAY, Nagle's algorithm meets the
//! peer's delayed ACKs and each stall costs ~40 ms. Target: p50 ≤ 20 ms.
//!
//! Run: `cargo bench --bench connection_setup`. It first prints p50/p90/max of 20 set-ups
//! (each a fresh connection), then criterion's estimate.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kedatui_core::queue::BatchSender;
use kedatui_core::servicebus::sender::LiveSender;
use kedatui_servicebus::connection;
use testkit::servicebus::FakeServiceBus;

fn set_up_once(rt: &tokio::runtime::Runtime, cs: &connection::ConnectionString) -> Duration {
    rt.block_on(async {
        let mut sender = LiveSender::new(cs.clone(), "kedaqueue");
        let started = Instant::now();
        sender.ensure_sender().await.expect("connected");
        let took = started.elapsed();
        sender.dispose().await;
        took
    })
}

fn connection_setup(c: &mut Criterion) {
    let bus = FakeServiceBus::start(Default::default()).expect("the loopback broker");
    let cs = connection::parse(&bus.connection_string()).unwrap();
    // current_thread, as everywhere azservicebus runs (docs/servicebus-amqp.md §2).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    set_up_once(&rt, &cs); // warm-up: first-use costs (TLS-free here, but lazy statics)
    let mut runs: Vec<Duration> = (0..20).map(|_| set_up_once(&rt, &cs)).collect();
    runs.sort();
    println!(
        "connection set-up on loopback, 20 runs: p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        runs[9].as_secs_f64() * 1e3,
        runs[17].as_secs_f64() * 1e3,
        runs[19].as_secs_f64() * 1e3,
    );
    let mut group = c.benchmark_group("connection");
    group.sample_size(20);
    group.bench_function("set-up on loopback (connect, CBS, attach)", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| set_up_once(&rt, &cs)).sum())
    });
    group.finish();
}

criterion_group!(benches, connection_setup);
criterion_main!(benches);
