//! The receiver binary against the testkit Service Bus over 127.0.0.1: every message completed
//! exactly once; SIGTERM mid-work loses nothing (completed + still queued = N); a bad key, a rule
//! without Listen and a missing queue each end it with a clear one-line reason; the probes say
//! ready only between the link's attach and SIGTERM.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::servicebus::{FakeCounts, FakeServiceBus, FakeServiceBusOptions, Rights, SasRule};

use common::{Receiver, WAIT, assert_clear_exit, events, probe, wait_probe};

const QUEUE: &str = "kedaqueue";

fn bus() -> FakeServiceBus {
    FakeServiceBus::start(FakeServiceBusOptions {
        rules: vec![
            SasRule {
                name: "receiver-listen".into(),
                key: testkit::servicebus::random_key(),
                rights: Rights::LISTEN,
            },
            SasRule {
                name: "kedatui-send".into(),
                key: testkit::servicebus::random_key(),
                rights: Rights::SEND,
            },
        ],
        ..FakeServiceBusOptions::default()
    })
    .expect("the fake starts")
}

/// `n` kedatui-shaped messages of burst 1.
fn preload(bus: &FakeServiceBus, n: u64) {
    let bodies = (0..n).map(|seq| format!(r#"{{"burst":1,"seq":{seq}}}"#).into_bytes());
    assert_eq!(bus.preload(QUEUE, bodies), n as usize);
}

/// The receiver on `connection`, receiving from [`QUEUE`].
fn spawn(connection: &str, env: &[(&str, &str)], args: &[&str]) -> Receiver {
    let mut all = vec![
        ("SERVICEBUS_CONNECTION_STRING", connection),
        ("QUEUE_NAME", QUEUE),
    ];
    all.extend_from_slice(env);
    common::spawn(&all, args)
}

fn counts(bus: &FakeServiceBus) -> FakeCounts {
    bus.counts(QUEUE).unwrap()
}

#[test]
fn n_messages_are_consumed_and_completed_exactly_once() {
    let bus = bus();
    let n = 40;
    preload(&bus, n);
    let mut rx = spawn(
        &bus.connection_string_for("receiver-listen"),
        &[("PROCESSING_MS", "20"), ("CONCURRENCY", "4")],
        &[],
    );
    rx.wait_event("started");
    let done = bus.wait_for_counts(QUEUE, WAIT, |c| c.completed_total == n);
    assert!(done.is_some(), "not all completed: {:?}", counts(&bus));
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");

    let c = counts(&bus);
    assert_eq!(
        (c.active, c.locked, c.dead_letter, c.completed_total),
        (0, 0, 0, n)
    );
    // One log line per message, each message once.
    let mut per_seq: BTreeMap<u64, u32> = BTreeMap::new();
    for line in events(&lines, "completed") {
        assert_eq!(line["burst"], 1);
        assert!(line["queue_latency_ms"].as_i64().unwrap() >= 0);
        *per_seq.entry(line["seq"].as_u64().unwrap()).or_default() += 1;
    }
    assert_eq!(per_seq.len() as u64, n, "{per_seq:?}");
    assert!(per_seq.values().all(|&k| k == 1), "{per_seq:?}");
    assert!(events(&lines, "abandoned").is_empty());
    assert_eq!(events(&lines, "stopped").len(), 1);
}

/// `n` messages, a receiver taking `concurrency` at a time for `processing_ms` each, SIGTERM once
/// `concurrency` are locked: it exits cleanly, no lock is left and no message is lost.
/// Returns the queue's counts and the receiver's log lines.
fn sigterm_with_work_in_flight(
    n: u64,
    processing_ms: &str,
    concurrency: u64,
    grace_ms: &str,
) -> (FakeCounts, Vec<Value>) {
    let bus = bus();
    preload(&bus, n);
    let rx = spawn(
        &bus.connection_string_for("receiver-listen"),
        &[
            ("PROCESSING_MS", processing_ms),
            ("CONCURRENCY", &concurrency.to_string()),
            ("SHUTDOWN_GRACE_MS", grace_ms),
        ],
        &[],
    );
    assert!(
        bus.wait_for_counts(QUEUE, WAIT, |c| c.locked == concurrency)
            .is_some()
    );
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");

    let c = counts(&bus);
    assert_eq!(c.locked, 0, "{c:?}");
    assert_eq!(c.completed_total + c.active, n, "{c:?}");
    (c, lines)
}

#[test]
fn sigterm_mid_work_abandons_what_cannot_finish_and_loses_nothing() {
    let n = 10;
    // Work far longer than the grace period: nothing in flight can finish. Abandoned at once,
    // not left to lock expiry: every message is back in the queue.
    let (c, lines) = sigterm_with_work_in_flight(n, "60000", 3, "200");
    assert_eq!(c.completed_total, 0);
    assert_eq!(events(&lines, "abandoned").len(), 3);
    assert_eq!(events(&lines, "draining")[0]["in_flight"], 3);
}

#[test]
fn sigterm_mid_work_finishes_what_fits_in_the_grace_period() {
    let n = 10;
    let (c, lines) = sigterm_with_work_in_flight(n, "1000", 2, "20000");
    // The two in flight were finished; no new message was taken after the signal.
    assert!(c.completed_total >= 2 && c.completed_total < n, "{c:?}");
    assert_eq!(events(&lines, "completed").len() as u64, c.completed_total);
    assert!(events(&lines, "abandoned").is_empty());
}

#[test]
fn once_with_exit_when_done_takes_exactly_one_message() {
    let bus = bus();
    preload(&bus, 3);
    let rx = spawn(
        &bus.connection_string_for("receiver-listen"),
        &[("PROCESSING_MS", "10"), ("CONCURRENCY", "4")],
        &["--once", "--exit-when-done"],
    );
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    let c = counts(&bus);
    assert_eq!((c.completed_total, c.active, c.locked), (1, 2, 0), "{c:?}");
    assert_eq!(events(&lines, "completed").len(), 1);
}

#[test]
fn a_bad_key_ends_with_exit_3_and_one_clear_line() {
    let bus = bus();
    preload(&bus, 1);
    let good = bus.connection_string_for("receiver-listen");
    let wrong_key = testkit::servicebus::random_key();
    let real_key = good
        .split("SharedAccessKey=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let bad = good.replace(real_key, &wrong_key);
    let (status, _, stderr) = spawn(&bad, &[], &[]).finish();
    assert_clear_exit(status, &stderr, 3, "refused the credentials", &wrong_key);
    assert_eq!(counts(&bus).active, 1, "nothing was taken");
}

#[test]
fn a_rule_without_listen_ends_with_exit_3() {
    let bus = bus();
    preload(&bus, 1);
    let send_only = bus.connection_string_for("kedatui-send");
    let key = send_only
        .split("SharedAccessKey=")
        .nth(1)
        .unwrap()
        .to_owned();
    let (status, _, stderr) = spawn(&send_only, &[], &[]).finish();
    assert_clear_exit(status, &stderr, 3, "Listen", &key);
}

#[test]
fn a_missing_queue_ends_with_exit_4() {
    let bus = bus();
    let conn = bus.connection_string_for("receiver-listen");
    let key = conn.split("SharedAccessKey=").nth(1).unwrap().to_owned();
    let (status, _, stderr) = spawn(&conn, &[("QUEUE_NAME", "no-such-queue")], &[]).finish();
    assert_clear_exit(status, &stderr, 4, "not found", &key);
}

#[test]
fn messages_from_kedatuis_sender_are_logged_with_their_id_burst_and_seq() {
    use kedatui_core::queue::{BatchSender, BurstSpec, burst};
    use kedatui_core::servicebus::{connection, sender};
    let bus = bus();
    let n = 5;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let cs = connection::parse(&bus.connection_string_for("kedatui-send")).unwrap();
        let mut tx = sender::LiveSender::new(cs, QUEUE);
        let spec = BurstSpec::new(7, n);
        let report = burst::send_burst(&mut tx, &spec, &|| false, &mut |_| {}).await;
        tx.dispose().await;
        report
    });
    assert_eq!((report.sent, report.failed), (n, 0), "{report:?}");

    let rx = spawn(
        &bus.connection_string_for("receiver-listen"),
        &[("PROCESSING_MS", "0"), ("CONCURRENCY", "5")],
        &[],
    );
    assert!(
        bus.wait_for_counts(QUEUE, WAIT, |c| c.completed_total == n)
            .is_some()
    );
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{stderr}");
    let mut seqs: Vec<u64> = events(&lines, "completed")
        .iter()
        .map(|l| {
            assert_eq!(l["burst"], 7);
            let id = l["id"].as_str().expect("kedatui sets a message id");
            assert!(id.ends_with(&format!("-7-{}", l["seq"])), "{id}");
            l["seq"].as_u64().unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs.len() as u64, n);
    seqs.dedup();
    assert_eq!(seqs.len() as u64, n);
}

#[test]
fn not_ready_while_connecting_and_sigterm_then_stops_at_once() {
    // Accepts TCP and then says nothing: connecting hangs until CREATE_TIMEOUT_MS.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let key = testkit::servicebus::random_key();
    let conn = format!(
        "Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=receiver-listen;SharedAccessKey={key};UseDevelopmentEmulator=true"
    );
    let mut rx = spawn(&conn, &[("CREATE_TIMEOUT_MS", "600000")], &[]);
    let addr = rx.health_addr();
    assert_eq!(probe(&addr, "/readyz"), Some(503));
    assert_eq!(probe(&addr, "/livez"), Some(200));
    assert!(rx.running());
    let signalled = Instant::now();
    rx.sigterm();
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "waited for the connect: {:?}",
        signalled.elapsed()
    );
    assert!(events(&lines, "started").is_empty());
    assert_eq!(events(&lines, "stopped")[0]["before_start"], true);
    assert_eq!(probe(&addr, "/readyz"), None, "nothing answers after exit");
    drop(silent);
}

#[test]
fn ready_once_attached_and_not_ready_from_sigterm_while_draining() {
    let bus = bus();
    let n = 4;
    preload(&bus, n);
    let mut rx = spawn(
        &bus.connection_string_for("receiver-listen"),
        // The work fits in the grace period, so draining lasts until it ends (about 4 s). Work
        // that outlasts the grace is abandoned at once and the process exits within
        // milliseconds: too short a window for a probe to see 503 reliably.
        &[
            ("PROCESSING_MS", "4000"),
            ("CONCURRENCY", "1"),
            ("SHUTDOWN_GRACE_MS", "600000"),
        ],
        &[],
    );
    let addr = rx.health_addr();
    rx.wait_event("started");
    // The link is attached before `started` is logged.
    assert_eq!(probe(&addr, "/readyz"), Some(200));
    assert_eq!(probe(&addr, "/livez"), Some(200));
    assert!(
        bus.wait_for_counts(QUEUE, WAIT, |c| c.locked == 1)
            .is_some()
    );
    assert_eq!(probe(&addr, "/readyz"), Some(200), "working is still ready");

    rx.sigterm();
    wait_probe(&addr, "/readyz", Some(503));
    assert!(rx.running(), "not ready while it drains, before it exits");
    assert_eq!(probe(&addr, "/livez"), Some(200), "draining is alive");
    let (status, lines, stderr) = rx.finish();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(probe(&addr, "/livez"), None);
    assert!(
        events(&lines, "abandoned").is_empty(),
        "the work fit in the grace"
    );
    let c = counts(&bus);
    assert_eq!((c.locked, c.active + c.completed_total), (0, n), "{c:?}");
}
