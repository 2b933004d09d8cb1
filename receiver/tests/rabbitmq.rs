//! The receiver binary against a real, private rabbitmq-server (testkit::rabbitmq) over
//! 127.0.0.1, with messages published through the management API (an independent client):
//! every message acked exactly once and only after its work; prefetch = CONCURRENCY; ready only
//! once the consumer is registered; SIGTERM mid-work loses nothing (acked after processing +
//! back in the queue = N); wrong credentials, a missing vhost and a missing queue each end it
//! with its exit code and one clear line.
//!
//! One broker serves every test in this file (a cold start takes seconds); each test has its
//! own queue. The broker stops when the last test holding it ends.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};

use serde_json::{Value, json};
use testkit::rabbitmq::Broker;

use common::{assert_clear_exit, events, probe, spawn, wait_for, wait_probe};

static SHARED: Mutex<Weak<Broker>> = Mutex::new(Weak::new());
static STARTS: AtomicUsize = AtomicUsize::new(0);

/// The file's broker: started by the first test that needs it, stopped (by `Drop`) when the
/// last one holding it ends. Tests that do not overlap may each start one: slower, not wrong.
fn broker() -> Arc<Broker> {
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(broker) = slot.upgrade() {
        return broker;
    }
    let n = STARTS.fetch_add(1, Ordering::SeqCst);
    let broker = Arc::new(testkit::rabbitmq::start_for_test(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        &format!("receiver{n}"),
    ));
    *slot = Arc::downgrade(&broker);
    broker
}

/// `n` kedatui-shaped persistent messages of burst 1, through the default exchange.
fn publish(broker: &Broker, queue: &str, n: u64) {
    for seq in 0..n {
        let payload = json!({"burst": 1, "seq": seq, "sent_at": jiff::Timestamp::now()});
        broker.publish(queue, &payload.to_string());
    }
}

/// A fresh durable queue holding `n` messages.
fn queue_with(broker: &Broker, queue: &str, n: u64) {
    broker.declare_queue(queue);
    publish(broker, queue, n);
    wait_counts(broker, queue, |c| c == (n, 0));
}

/// Polls the queue itself (not the management API's 5 s samples) until its (ready, unacked)
/// satisfy `want`.
fn wait_counts(broker: &Broker, queue: &str, mut want: impl FnMut((u64, u64)) -> bool) {
    let mut last = None;
    let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(&format!("the counts of {queue}"), || {
            let c = broker.live_queue_counts(queue)?;
            last = Some(c);
            want(c).then_some(())
        })
    }));
    if found.is_err() {
        panic!("{queue}: (ready, unacked) stayed {last:?}");
    }
}

fn receiver_env<'a>(
    url: &'a str,
    queue: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![("RABBITMQ_URL", url), ("QUEUE_NAME", queue)];
    env.extend_from_slice(extra);
    env
}

/// The broker's consumers of `queue` now (rabbitmqctl: live, unlike the API's samples).
fn consumers(broker: &Broker, queue: &str) -> Vec<Value> {
    let out = broker
        .ctl(&[
            "-q",
            "list_consumers",
            "--formatter",
            "json",
            "queue_name",
            "ack_required",
            "prefetch_count",
        ])
        .expect("rabbitmqctl list_consumers");
    let all: Vec<Value> = serde_json::from_str(out.trim()).unwrap_or_default();
    all.into_iter()
        .filter(|c| c["queue_name"] == queue)
        .collect()
}

#[test]
fn n_messages_are_consumed_and_acked_exactly_once() {
    let broker = broker();
    let (queue, n) = ("consume-n", 30);
    queue_with(&broker, queue, n);
    let url = broker.amqp_url();
    let mut rx = spawn(
        &receiver_env(
            &url,
            queue,
            &[("PROCESSING_MS", "20"), ("CONCURRENCY", "4")],
        ),
        &[],
    );
    let started = rx.wait_event("started");
    assert_eq!(
        (&started["broker"], &started["vhost"], &started["prefetch"]),
        (&json!("rabbitmq"), &json!("/"), &json!(4))
    );
    wait_for("every message completed", || {
        (rx.count_now("completed") as u64 == n).then_some(())
    });
    wait_counts(&broker, queue, |c| c == (0, 0));
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");

    let mut per_seq: BTreeMap<u64, u32> = BTreeMap::new();
    for line in events(&lines, "completed") {
        assert_eq!(line["burst"], 1, "{line}");
        // No broker timestamp: counted from the body's sent_at.
        assert!(line["queue_latency_ms"].as_i64().unwrap() >= 0, "{line}");
        assert_eq!(line["delivery_count"], 1, "{line}");
        *per_seq.entry(line["seq"].as_u64().unwrap()).or_default() += 1;
    }
    assert_eq!(per_seq.len() as u64, n, "{per_seq:?}");
    assert!(per_seq.values().all(|&k| k == 1), "{per_seq:?}");
    assert!(events(&lines, "abandoned").is_empty());
    assert_eq!(events(&lines, "stopped").len(), 1);
}

#[test]
fn messages_stay_unacked_until_their_work_is_done() {
    let broker = broker();
    let (queue, n) = ("ack-after-work", 4);
    queue_with(&broker, queue, n);
    let url = broker.amqp_url();
    let mut rx = spawn(
        &receiver_env(
            &url,
            queue,
            &[("PROCESSING_MS", "8000"), ("CONCURRENCY", "2")],
        ),
        &[],
    );
    // Two delivered and held unacked while they are worked on; none acked yet.
    wait_counts(&broker, queue, |c| c == (2, 2));
    assert_eq!(
        rx.count_now("completed"),
        0,
        "acked before the work was done"
    );
    wait_counts(&broker, queue, |c| c == (0, 0));
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(events(&lines, "completed").len(), 4);
}

#[test]
fn prefetch_is_concurrency_so_unacked_never_exceeds_it() {
    let broker = broker();
    let (queue, n) = ("prefetch", 9);
    queue_with(&broker, queue, n);
    let url = broker.amqp_url();
    let rx = spawn(
        &receiver_env(
            &url,
            queue,
            &[("PROCESSING_MS", "1500"), ("CONCURRENCY", "3")],
        ),
        &[],
    );
    let consumer = wait_for("the consumer to be listed", || {
        consumers(&broker, queue).pop()
    });
    assert_eq!(consumer["prefetch_count"], 3, "{consumer}");
    assert_eq!(consumer["ack_required"], true, "manual acks: {consumer}");
    let mut most = 0;
    wait_counts(&broker, queue, |(ready, unacked)| {
        assert!(unacked <= 3, "{unacked} unacked with CONCURRENCY=3");
        most = most.max(unacked);
        (ready, unacked) == (0, 0)
    });
    assert!(most >= 1, "never saw a message in flight");
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(events(&lines, "completed").len() as u64, n);
}

/// A loopback port that accepts one connection and forwards it to `target` only once released:
/// until then the receiver waits for the broker's first frame, connecting.
fn held_proxy(target: u16) -> (u16, mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (release, released) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else {
            return;
        };
        if released.recv().is_err() {
            return;
        }
        let server = TcpStream::connect(("127.0.0.1", target)).unwrap();
        let pipe = |mut from: TcpStream, mut to: TcpStream| {
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Write);
            })
        };
        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
        pipe(server, client);
    });
    (port, release)
}

#[test]
fn ready_only_once_the_consumer_is_registered_and_not_while_draining() {
    let broker = broker();
    let queue = "readiness";
    queue_with(&broker, queue, 1);
    let (port, release) = held_proxy(broker.amqp_port);
    let url = format!("amqp://guest:guest@127.0.0.1:{port}/");
    let mut rx = spawn(
        &receiver_env(
            &url,
            queue,
            // The work fits in the grace period, so draining lasts until it ends; and it outlasts
            // the checks before SIGTERM (rabbitmqctl takes seconds on a loaded machine).
            &[("PROCESSING_MS", "10000"), ("SHUTDOWN_GRACE_MS", "600000")],
        ),
        &[],
    );
    let addr = rx.health_addr();
    // Connecting (the proxy holds the broker's answer): alive, not ready, no consumer.
    wait_for("the receiver to connect to the proxy", || {
        (probe(&addr, "/livez") == Some(200)).then_some(())
    });
    assert_eq!(probe(&addr, "/readyz"), Some(503));
    assert!(consumers(&broker, queue).is_empty());
    assert!(rx.running() && rx.count_now("started") == 0);

    release.send(()).unwrap();
    wait_probe(&addr, "/readyz", Some(200));
    // Ready means basic.consume returned: the broker knows the consumer and delivers to it.
    let consumer = wait_for("the consumer to be listed", || {
        consumers(&broker, queue).pop()
    });
    assert_eq!(consumer["prefetch_count"], 1, "{consumer}");
    wait_counts(&broker, queue, |c| c == (0, 1));
    assert_eq!(probe(&addr, "/readyz"), Some(200), "working is still ready");

    rx.sigterm();
    wait_probe(&addr, "/readyz", Some(503));
    assert!(rx.running(), "not ready while it drains, before it exits");
    assert_eq!(probe(&addr, "/livez"), Some(200), "draining is alive");
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(
        events(&lines, "completed").len(),
        1,
        "the work fit in the grace"
    );
    assert!(events(&lines, "abandoned").is_empty());
    wait_counts(&broker, queue, |c| c == (0, 0));
}

/// SIGTERM once `concurrency` messages are held: it exits cleanly and every message is either
/// acked after its work (a `completed` line) or back in the queue, ready.
fn sigterm_with_work_in_flight(
    queue: &str,
    processing_ms: &str,
    concurrency: u64,
    grace_ms: &str,
) -> Vec<Value> {
    let broker = broker();
    let n = 10;
    queue_with(&broker, queue, n);
    let url = broker.amqp_url();
    let concurrency_text = concurrency.to_string();
    let rx = spawn(
        &receiver_env(
            &url,
            queue,
            &[
                ("PROCESSING_MS", processing_ms),
                ("CONCURRENCY", &concurrency_text),
                ("SHUTDOWN_GRACE_MS", grace_ms),
            ],
        ),
        &[],
    );
    wait_counts(&broker, queue, |(_, unacked)| unacked == concurrency);
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    let completed = events(&lines, "completed").len() as u64;
    let left = n - completed;
    wait_counts(&broker, queue, |c| c == (left, 0));
    lines
}

#[test]
fn sigterm_mid_work_requeues_what_cannot_finish_and_loses_nothing() {
    // Work far longer than the grace period: nothing in flight can finish. Nacked (requeued)
    // at once: every message is back in the queue.
    let lines = sigterm_with_work_in_flight("sigterm-requeue", "60000", 3, "200");
    assert!(events(&lines, "completed").is_empty());
    let abandoned = events(&lines, "abandoned");
    assert_eq!(abandoned.len(), 3, "{lines:?}");
    assert!(
        abandoned.iter().all(|l| l["error"].is_null()),
        "{abandoned:?}"
    );
    assert_eq!(events(&lines, "draining")[0]["in_flight"], 3);
}

#[test]
fn sigterm_mid_work_finishes_what_fits_in_the_grace_period() {
    let lines = sigterm_with_work_in_flight("sigterm-finish", "1500", 2, "20000");
    // The two in flight were finished and acked; no new message was taken after the signal.
    let completed = events(&lines, "completed").len();
    assert!((2..10).contains(&completed), "{completed} completed");
    assert!(events(&lines, "abandoned").is_empty());
}

#[test]
fn wrong_credentials_or_no_permission_exit_3_with_one_clear_line() {
    let broker = broker();
    let queue = "credentials";
    queue_with(&broker, queue, 1);
    let user = |name: &str, password: &str| {
        let body = json!({"password": password, "tags": ""}).to_string();
        let (code, answer) = broker.api("PUT", &format!("users/{name}"), Some(&body));
        assert!(code == 201 || code == 204, "{code} {answer}");
    };
    user("kedatui-receiver", "right-password");
    let (code, answer) = broker.api(
        "PUT",
        "permissions/%2F/kedatui-receiver",
        Some(r#"{"configure":"","write":"","read":".*"}"#),
    );
    assert!(code == 201 || code == 204, "{code} {answer}");
    user("no-permissions", "its-password");

    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let url = format!(
        "amqp://kedatui-receiver:{wrong}@127.0.0.1:{}/",
        broker.amqp_port
    );
    let (status, _, stderr) = spawn(&receiver_env(&url, queue, &[]), &[]).finish();
    assert_clear_exit(
        status,
        &stderr,
        3,
        "refused the credentials for user `kedatui-receiver` (ACCESS_REFUSED)",
        &wrong,
    );

    let url = format!(
        "amqp://no-permissions:its-password@127.0.0.1:{}/",
        broker.amqp_port
    );
    let (status, _, stderr) = spawn(&receiver_env(&url, queue, &[]), &[]).finish();
    assert_clear_exit(
        status,
        &stderr,
        3,
        "refused user `no-permissions` access to vhost `/`",
        "its-password",
    );

    // The right password, read permission only: it consumes.
    let url = format!(
        "amqp://kedatui-receiver:right-password@127.0.0.1:{}/",
        broker.amqp_port
    );
    let mut rx = spawn(&receiver_env(&url, queue, &[("PROCESSING_MS", "0")]), &[]);
    rx.wait_event("completed");
    rx.sigterm();
    let (status, _, stderr) = rx.finish();
    assert!(status.success(), "{stderr}");
    wait_counts(&broker, queue, |c| c == (0, 0));
}

#[test]
fn a_missing_vhost_exits_4_with_one_clear_line() {
    let broker = broker();
    let url = format!(
        "amqp://guest:guest@127.0.0.1:{}/no-such-vhost",
        broker.amqp_port
    );
    let (status, _, stderr) = spawn(&receiver_env(&url, "kedaqueue", &[]), &[]).finish();
    assert_clear_exit(
        status,
        &stderr,
        4,
        "has no vhost `no-such-vhost` (NOT_ALLOWED)",
        "guest:guest",
    );
}

#[test]
fn a_missing_queue_exits_4_and_is_not_created() {
    let broker = broker();
    let url = broker.amqp_url();
    let (status, lines, stderr) = spawn(&receiver_env(&url, "no-such-queue", &[]), &[]).finish();
    assert_clear_exit(
        status,
        &stderr,
        4,
        "queue `no-such-queue` not found in vhost `/`",
        "guest:guest",
    );
    assert!(events(&lines, "started").is_empty());
    let (code, _) = broker.api("GET", "queues/%2F/no-such-queue", None);
    assert_eq!(code, 404, "the receiver must not declare the queue");
}

#[test]
fn a_lost_connection_is_retried_and_loses_nothing() {
    // Its own vhost: closing every connection there leaves the other tests' alone.
    let broker = broker();
    let (vhost, queue, n) = ("reconnect", "q", 6u64);
    let (code, body) = broker.api("PUT", &format!("vhosts/{vhost}"), None);
    assert!(code == 201 || code == 204, "{code} {body}");
    let (code, body) = broker.api(
        "PUT",
        &format!("permissions/{vhost}/guest"),
        Some(r#"{"configure":".*","write":".*","read":".*"}"#),
    );
    assert!(code == 201 || code == 204, "{code} {body}");
    let (code, body) = broker.api(
        "PUT",
        &format!("queues/{vhost}/{queue}"),
        Some(r#"{"durable":true}"#),
    );
    assert!(code == 201 || code == 204, "{code} {body}");
    for seq in 0..n {
        let payload = json!({"burst": 2, "seq": seq, "sent_at": jiff::Timestamp::now()});
        broker.publish_in(vhost, queue, &payload.to_string());
    }
    let url = format!("amqp://guest:guest@127.0.0.1:{}/{vhost}", broker.amqp_port);
    let mut rx = spawn(
        &receiver_env(
            &url,
            queue,
            // Long enough that the state below outlasts a rabbitmqctl poll, which takes seconds
            // on a loaded machine.
            &[("PROCESSING_MS", "5000"), ("CONCURRENCY", "2")],
        ),
        &[],
    );
    wait_for("two messages in flight", || {
        (broker.live_queue_counts_in(vhost, queue)? == (n - 2, 2)).then_some(())
    });
    broker
        .ctl(&[
            "close_all_connections",
            "-p",
            vhost,
            "the test drops the connection",
        ])
        .expect("rabbitmqctl close_all_connections");
    // The broker requeues the two in flight; the receiver connects again and takes everything.
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        let c = broker.live_queue_counts_in(vhost, queue);
        if c == Some((0, 0)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all acked: {c:?}; running {}; {:?}",
            rx.running(),
            rx.lines_now()
        );
        std::thread::park_timeout(std::time::Duration::from_millis(25));
    }
    assert!(rx.running(), "one lost connection is not fatal");
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    let failed = events(&lines, "receive_failed");
    assert!(!failed.is_empty(), "{lines:?}");
    assert!(
        failed[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("CONNECTION_FORCED")),
        "{failed:?}"
    );
    // Every message was worked on and acked, and logged `completed` at most once: the two in flight
    // when the connection dropped were requeued, their acks failed or went unconfirmed
    // (`complete_failed`), and they were delivered and completed again, as redeliveries (no
    // delivery count).
    let completed = events(&lines, "completed");
    let mut per_seq: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for line in &completed {
        per_seq
            .entry(line["seq"].as_u64().unwrap())
            .or_default()
            .push(line);
    }
    assert!(per_seq.values().all(|l| l.len() == 1), "{per_seq:?}");
    let failed = events(&lines, "complete_failed");
    assert!(failed.len() <= 2, "only the two in flight: {lines:?}");
    // (An ack that reached the broker just before its confirmation was cut off is logged
    // `complete_failed` and not delivered again: the queue's (0, 0) above says nothing is lost.)
    assert!(
        per_seq.len() + failed.len() >= n as usize,
        "{per_seq:?} {failed:?}"
    );
    let redelivered = completed
        .iter()
        .filter(|l| l["delivery_count"].is_null())
        .count();
    assert!(redelivered >= failed.len(), "{lines:?}");
}
