//! The simulator's speed: 10 000 pods × 1 hour of virtual time at 1 s steps must take ≤ 1 s on
//! one core. Only `World::step` is timed; building the world and views is not.
//!
//! Run: `cargo bench --bench sim`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use kedatui_core::sim::{SimConfig, World};

const HOUR_OF_STEPS: usize = 3600;

/// 10 000 Ready receivers for the whole hour (minReplicaCount 10 000), fed by a steady 4 000
/// messages/s (80% of their capacity: 2 s per message) and a 50 000-message burst every 10 min.
fn steady_world() -> World {
    let mut config = SimConfig::keda_defaults();
    config.min_replicas = 10_000;
    config.max_replicas = 10_000;
    config.initial_replicas = 10_000;
    let mut world = World::new(config, 1, Timestamp::UNIX_EPOCH);
    world.set_trickle(Some(4_000.0));
    world
}

/// From 0 to 10 000 pods: a 200 000-message burst, KEDA activation, HPA doubling to the max,
/// draining, the 300 s stabilisation, and KEDA's cooldown back to 0 (all within the hour).
fn scale_out_world() -> World {
    let mut config = SimConfig::keda_defaults();
    config.max_replicas = 10_000;
    config.processing_time = SignedDuration::from_secs(20);
    let mut world = World::new(config, 1, Timestamp::UNIX_EPOCH);
    world.send(200_000);
    world
}

fn run_hour(mut world: World, bursts: bool) -> World {
    let second = SignedDuration::from_secs(1);
    for i in 0..HOUR_OF_STEPS {
        if bursts && i % 600 == 300 {
            world.send(50_000);
        }
        black_box(world.step(second));
    }
    world
}

/// Says what each scenario did, so the figure can be read (and a scenario that silently stopped
/// scaling would show).
fn describe(name: &str, world: &World) {
    let s = world.stats();
    eprintln!(
        "{name}: sent {}, completed {}, peak spec.replicas {}, peak Ready {}, back to 0 at {:?}",
        s.sent, s.completed, s.peak_spec_replicas, s.peak_ready_replicas, s.back_to_zero
    );
    assert_eq!(s.peak_ready_replicas, 10_000, "{name} must run 10 000 pods");
}

fn bench(c: &mut Criterion) {
    describe("steady", &run_hour(steady_world(), true));
    describe("scale-out", &run_hour(scale_out_world(), false));
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("10k_pods_steady_1h_1s_steps", |b| {
        b.iter_batched(steady_world, |w| run_hour(w, true), BatchSize::LargeInput)
    });
    group.bench_function("scale_out_to_10k_pods_1h_1s_steps", |b| {
        b.iter_batched(
            scale_out_world,
            |w| run_hour(w, false),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
