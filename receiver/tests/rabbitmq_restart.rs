//! The receiver while its RabbitMQ broker goes away: it retries like any transient failure, then
//! exits 1 for Kubernetes to restart it, and no message is lost: the broker, back up, holds
//! every message that was not acked after its work. Its own broker (it is stopped mid-test).

mod common;

use std::path::Path;

use serde_json::json;

use common::{events, spawn, wait_for};

#[test]
fn a_broker_that_goes_away_ends_it_with_exit_1_and_loses_nothing() {
    let mut broker =
        testkit::rabbitmq::start_for_test(Path::new(env!("CARGO_TARGET_TMPDIR")), "restart");
    let (queue, n) = ("restart", 6u64);
    broker.declare_queue(queue);
    for seq in 0..n {
        let payload = json!({"burst": 3, "seq": seq, "sent_at": jiff::Timestamp::now()});
        broker.publish(queue, &payload.to_string());
    }
    let url = broker.amqp_url();
    let rx = spawn(
        &[
            ("RABBITMQ_URL", &url),
            ("QUEUE_NAME", queue),
            // Both held, unacked, when the broker goes. A full receiver notices the loss at its
            // next receive, once this work is done and its acks have failed.
            ("PROCESSING_MS", "5000"),
            ("CONCURRENCY", "2"),
        ],
        &[],
    );
    wait_for("two messages in flight", || {
        (broker.live_queue_counts(queue)? == (n - 2, 2)).then_some(())
    });
    broker.stop();
    let (status, lines, stderr) = rx.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains("cannot connect to RabbitMQ at 127.0.0.1:"),
        "{stderr}"
    );
    let failed = events(&lines, "receive_failed");
    assert_eq!(failed.len(), 5, "the shared retry limit: {failed:?}");
    // Its acks went nowhere, and it says so: nothing is logged completed.
    assert!(events(&lines, "completed").is_empty(), "{lines:?}");
    assert_eq!(events(&lines, "complete_failed").len(), 2, "{lines:?}");

    // Persistent messages in a durable queue: all back, none acked.
    broker.restart().expect("the broker starts again");
    wait_for("every message back in the queue", || {
        (broker.live_queue_counts(queue)? == (n, 0)).then_some(())
    });
}
