//! Building the messages of a burst (body, id, properties), the CPU part of `kedatui send`.
//! Run: `cargo bench --bench servicebus_messages`.

use criterion::{Criterion, criterion_group, criterion_main};
use kedatui_core::servicebus::sender::build_message;

fn build_10_000(c: &mut Criterion) {
    let sent_at = jiff::Timestamp::now().to_string();
    c.bench_function("build 10 000 burst messages", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for seq in 0..10_000 {
                bytes += build_message("ab12cd34", 1, seq, &sent_at).body().len();
            }
            bytes
        })
    });
}

criterion_group!(benches, build_10_000);
criterion_main!(benches);
