//! RabbitMQ behind the one queue interface, on a real `rabbitmq-server`: exact, persistent,
//! confirmed bursts; counts as KEDA reads them; purge; each refusal a clear error; and the
//! headless commands (`send`, `queue`, `purge`, `doctor`) with `--scaler rabbitmq`.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::rabbitmq::{self, Broker};
use kedatui_core::event::ErrorKind;
use kedatui_core::queue::{BurstSpec, Queue};
use kedatui_core::rabbitmq::{BrokerUrl, RabbitMqConfig};

/// The management API refreshes its counts every 500 ms here (`collect_statistics_interval`).
const COUNTS_LIMIT: Duration = Duration::from_secs(20);

/// The queue at `url` (AMQP), its management API on the test broker's port with the same
/// credentials (as the default URL would be on port 15672).
pub fn queue_of(broker: &Broker, url: &str, queue: &str) -> Queue {
    let mut cfg = RabbitMqConfig::new(BrokerUrl::parse_amqp(url).unwrap(), queue);
    let mut management = cfg.management.url().clone();
    management.set_port(Some(broker.management_port)).unwrap();
    cfg.management = BrokerUrl::parse_management(management.as_str()).unwrap();
    Queue::RabbitMq(cfg)
}

/// The broker's own count (its API read over a plain socket, not kedatui's reader) and how many
/// of them are persistent, once they stop changing for a second, or at the deadline.
pub fn settled_counts(broker: &Broker, queue: &str, want: impl Fn(u64) -> bool) -> (u64, u64) {
    let deadline = Instant::now() + COUNTS_LIMIT;
    loop {
        let (code, body) = broker.api("GET", &format!("queues/%2F/{queue}"), None);
        assert_eq!(code, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let messages = v["messages"].as_u64().unwrap_or(0);
        let persistent = v["messages_persistent"].as_u64().unwrap_or(0);
        if want(messages) || Instant::now() >= deadline {
            return (messages, persistent);
        }
        // The broker's statistics refresh on their own interval: poll them, bounded.
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kedatui(broker: &Broker, args: &[&str], rabbitmq_url: &str) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kedatui"));
    for var in crate::support::pty::SERVICEBUS_VARS {
        command.env_remove(var);
    }
    let out = command
        .args(args)
        .env("RABBITMQ_URL", rabbitmq_url)
        .env(
            "RABBITMQ_MANAGEMENT_URL",
            format!("http://127.0.0.1:{}/", broker.management_port),
        )
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run kedatui");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_counts_purge_and_refusals_on_a_real_broker() {
    let mut broker = rabbitmq::start("queue");
    broker.declare_queue("bursts");
    let url = broker.amqp_url();
    let q = queue_of(&broker, &url, "bursts");

    // 10 000 messages in one burst: all confirmed, all persistent.
    let spec = BurstSpec::new(1, 10_000);
    let report = q.send_once(&spec, &mut || {}, &mut |_| {}).await;
    assert_eq!(
        (
            report.sent,
            report.failed,
            report.maybe_resent,
            &report.error
        ),
        (10_000, 0, 0, &None),
        "{report:?}"
    );
    let (messages, persistent) = settled_counts(&broker, "bursts", |m| m == 10_000);
    assert_eq!((messages, persistent), (10_000, 10_000));
    let counts = q.read_counts().await.unwrap();
    assert_eq!(
        (counts.total, counts.active, counts.in_flight),
        (Some(10_000), 10_000, Some(0)),
        "kedatui's reading is the broker's: {counts:?}"
    );

    // With `protocol: amqp` KEDA reads a passive declare: ready messages, at once.
    let Queue::RabbitMq(mut amqp) = q.clone() else {
        unreachable!()
    };
    amqp.protocol = kedatui_core::rabbitmq::Protocol::Amqp;
    let amqp = Queue::RabbitMq(amqp);
    let counts = amqp.read_counts().await.unwrap();
    assert_eq!(
        (counts.active, counts.in_flight),
        (10_000, None),
        "{counts:?}"
    );
    let Queue::RabbitMq(mut missing) = queue_of(&broker, &url, "missing") else {
        unreachable!()
    };
    missing.protocol = kedatui_core::rabbitmq::Protocol::Amqp;
    let e = Queue::RabbitMq(missing).read_counts().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");

    // A confirm means written to disk: a restart keeps every message.
    tokio::task::block_in_place(|| broker.restart().unwrap());
    let (messages, _) = settled_counts(&broker, "bursts", |m| m == 10_000);
    assert_eq!(messages, 10_000, "messages survive a broker restart");

    let mut reported = 0;
    let removed = q.purge(&|| false, &mut |n| reported = n).await.unwrap();
    assert_eq!((removed, reported), (10_000, 10_000));
    assert_eq!(settled_counts(&broker, "bursts", |m| m == 0).0, 0);

    // Refusals, each its own kind, naming what to fix and never the password.
    let wrong = format!(
        "amqp://guest:n0t-the-password@127.0.0.1:{}/",
        broker.amqp_port
    );
    let e = queue_of(&broker, &wrong, "bursts")
        .check_send()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(e.message.contains("refused user `guest`"), "{}", e.message);
    let e = queue_of(&broker, &wrong, "bursts")
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(!e.message.contains("n0t-the-password"), "{}", e.message);
    let no_vhost = format!("amqp://guest:guest@127.0.0.1:{}/nope", broker.amqp_port);
    let e = queue_of(&broker, &no_vhost, "bursts")
        .check_send()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
    assert!(
        e.message.contains("vhost `nope` not found"),
        "{}",
        e.message
    );
    let e = queue_of(&broker, &url, "missing")
        .check_send()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
    assert!(
        e.message.contains("queue `missing` not found in vhost `/`"),
        "{}",
        e.message
    );
    let e = queue_of(&broker, &url, "missing")
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
    // A burst to a missing queue fails at once, every message counted as failed.
    let report = queue_of(&broker, &url, "missing")
        .send_once(&BurstSpec::new(2, 50), &mut || {}, &mut |_| {})
        .await;
    assert_eq!((report.sent, report.failed), (0, 50), "{report:?}");
    assert_eq!(report.error.unwrap().kind, ErrorKind::NotFound);

    // The headless commands, picked by $RABBITMQ_URL alone.
    let (code, out, err) = tokio::task::block_in_place(|| {
        kedatui(&broker, &["send", "-n", "500", "--queue", "bursts"], &url)
    });
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sent 500 of 500 to bursts, failed 0"), "{out}");
    settled_counts(&broker, "bursts", |m| m == 500);
    let (code, out, err) = tokio::task::block_in_place(|| {
        kedatui(&broker, &["queue", "--queue", "bursts", "--json"], &url)
    });
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (&v["scaler"], &v["messages"], &v["messages_ready"]),
        (&"rabbitmq".into(), &500.into(), &500.into()),
        "{v}"
    );
    let (code, out, err) = tokio::task::block_in_place(|| {
        kedatui(&broker, &["purge", "--yes", "--queue", "bursts"], &url)
    });
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("removed 500 messages from bursts"), "{out}");
    let (code, out, err) =
        tokio::task::block_in_place(|| kedatui(&broker, &["doctor", "--queue", "bursts"], &url));
    assert_eq!(code, 1, "the cluster is missing: {out}{err}");
    for line in [
        "✔ RabbitMQ URL parses",
        "✔ AMQP connect + queue exists (publish)",
        "✔ management API counts (what KEDA reads)",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    assert!(!out.contains("guest:guest"), "the password shows: {out}");
    let (code, out, err) = tokio::task::block_in_place(|| {
        kedatui(&broker, &["send", "-n", "5", "--queue", "bursts"], &wrong)
    });
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("refused user `guest`"), "{err}");
    assert!(!format!("{out}{err}").contains("n0t-the-password"));
    let (code, _, err) = tokio::task::block_in_place(|| {
        kedatui(
            &broker,
            &["send", "-n", "5", "--scaler", "rabbitmq"],
            "ftp://x",
        )
    });
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("$RABBITMQ_URL: "), "{err}");
}
