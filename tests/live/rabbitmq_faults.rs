//! Bursts into a real `rabbitmq-server` that restarts, or whose connection a proxy cuts, in the
//! middle: the burst rides it out, every message is sent, and what the broker holds is exact:
//! `sent` plus at most the messages reported "maybe resent" (published, unconfirmed when the
//! connection died, so published again).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::rabbitmq_queue::{queue_of, settled_counts};
use crate::support::rabbitmq;
use kedatui_core::queue::{BurstReport, BurstSpec};
use testkit::proxy::TcpProxy;

const N: u64 = 20_000;
/// Slow enough that the fault lands mid-burst: 20 000 at 2 000/s take 10 s.
const RATE: f64 = 2_000.0;
const FAULT_AT: u64 = 4_000;

/// Waits (bounded) until the burst has sent `at` messages.
fn wait_sent(sent: &AtomicU64, at: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.load(Ordering::SeqCst) < at {
        assert!(Instant::now() < deadline, "the burst never reached {at}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn check_exact(report: &BurstReport, messages: u64, fault: &str) {
    assert_eq!(
        (report.sent, report.failed, &report.error),
        (N, 0, &None),
        "{fault}: {report:?}"
    );
    assert!(
        (N..=N + report.maybe_resent).contains(&messages),
        "{fault}: the broker holds {messages}, sent {N}, maybe resent {}",
        report.maybe_resent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_or_a_cut_mid_burst_leaves_the_counts_exact() {
    let broker = Arc::new(std::sync::Mutex::new(rabbitmq::start("faults")));
    let (amqp_port, url) = {
        let b = broker.lock().unwrap();
        b.declare_queue("restart");
        b.declare_queue("cut");
        (b.amqp_port, b.amqp_url())
    };

    // 1. The broker restarts (SIGTERM, then a fresh start on the same data) mid-burst.
    let sent = Arc::new(AtomicU64::new(0));
    let restarter = {
        let (broker, sent) = (broker.clone(), sent.clone());
        std::thread::spawn(move || {
            wait_sent(&sent, FAULT_AT);
            broker.lock().unwrap().restart().unwrap();
        })
    };
    let spec = BurstSpec {
        rate: Some(RATE),
        ..BurstSpec::new(1, N)
    };
    let mut retried = false;
    let queue = queue_of(&broker.lock().unwrap(), &url, "restart");
    let report = queue
        .send_once(&spec, &mut || {}, &mut |r| {
            sent.store(r.sent, Ordering::SeqCst);
            retried |= r.retrying.is_some();
        })
        .await;
    restarter.join().unwrap();
    assert!(retried, "the restart was noticed: {report:?}");
    let messages = tokio::task::block_in_place(|| {
        settled_counts(&broker.lock().unwrap(), "restart", |m| m >= N).0
    });
    check_exact(&report, messages, "restart");

    // 2. A proxy between kedatui and the broker resets every connection for 2 s mid-burst.
    let proxy = TcpProxy::start(([127, 0, 0, 1], amqp_port).into()).unwrap();
    let via_proxy = url.replace(
        &format!(":{amqp_port}/"),
        &format!(":{}/", proxy.addr().port()),
    );
    let mut cut_done = false;
    let mut retried = false;
    let queue = queue_of(&broker.lock().unwrap(), &via_proxy, "cut");
    let report = queue
        .send_once(&spec, &mut || {}, &mut |r| {
            if !cut_done && r.sent >= FAULT_AT {
                proxy.cut_for(Duration::from_secs(2));
                cut_done = true;
            }
            retried |= r.retrying.is_some();
        })
        .await;
    assert!(cut_done && retried, "the cut was noticed: {report:?}");
    let messages = tokio::task::block_in_place(|| {
        settled_counts(&broker.lock().unwrap(), "cut", |m| m >= N).0
    });
    check_exact(&report, messages, "proxy cut");
}
