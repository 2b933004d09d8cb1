//! The RabbitMQ counts as KEDA's scaler reads them, from a real `rabbitmq-server` (its
//! management API), not a fake: what kedatui reads must match what the broker holds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::support::rabbitmq::{self, Broker};
use kedatui_core::event::ErrorKind;
use kedatui_core::rabbitmq::{BrokerUrl, ManagementApi, QueueStatus, Trigger, metric_and_activity};

const QUEUE: &str = "kedaqueue";
/// The management API refreshes its counts every 500 ms here (`collect_statistics_interval`).
const COUNTS_LIMIT: Duration = Duration::from_secs(20);

fn publish(broker: &Broker, n: usize) {
    for i in 0..n {
        broker.publish(QUEUE, &format!("m{i}"));
    }
}

/// Reads until the broker's statistics show `want` messages, or fails with the last reading.
async fn wait_for_messages(api: &ManagementApi, want: u64) -> kedatui_core::rabbitmq::QueueInfo {
    let deadline = Instant::now() + COUNTS_LIMIT;
    loop {
        let info = api
            .queue_info("/", QUEUE)
            .await
            .expect("the queue is readable");
        if info.messages == want {
            return info;
        }
        assert!(
            Instant::now() < deadline,
            "still {info:?} after {COUNTS_LIMIT:?}, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_from_a_real_broker_are_what_keda_reads() {
    let broker = rabbitmq::start("counts");
    let (code, body) = broker.api(
        "PUT",
        &format!("queues/%2F/{QUEUE}"),
        Some(r#"{"durable":true}"#),
    );
    assert_eq!(code, 201, "{body}");

    let amqp = BrokerUrl::parse_amqp(&broker.amqp_url()).unwrap();
    assert_eq!(amqp.vhost(), "/");
    let management = amqp.default_management();
    assert!(
        !management.to_string().contains("guest@"),
        "shown without the password: {management}"
    );
    assert_eq!(management.url().port(), Some(15672));
    // This private broker's management API is on a port of its own.
    let management =
        BrokerUrl::parse_management(&broker.management_url_as("guest", "guest")).unwrap();
    let api = ManagementApi::new(&management, Duration::from_secs(10)).unwrap();

    publish(&broker, 7);
    let info = wait_for_messages(&api, 7).await;
    assert_eq!((info.messages_ready, info.messages_unacknowledged), (7, 0));

    // The trigger as yaml would give it: host over AMQP, defaults (QueueLength, value 20).
    let default = Trigger::from_metadata(
        &BTreeMap::from([("queueName".into(), QUEUE.into())]),
        "amqp",
    )
    .unwrap();
    let (value, active) = metric_and_activity(&default, QueueStatus::from_http(&info, false));
    assert_eq!((value, active, default.value), (7.0, true, 20.0));

    // A missing queue and refused credentials are told apart.
    let missing = api.queue_info("/", "nope").await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound, "{missing}");
    let wrong = BrokerUrl::parse_management(&broker.management_url_as("guest", "not-the-password"))
        .unwrap();
    let refused = ManagementApi::new(&wrong, Duration::from_secs(10))
        .unwrap()
        .queue_info("/", QUEUE)
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Unauthorized, "{refused}");
    assert!(!refused.message.contains("not-the-password"), "{refused}");

    // Purged through the API, the counts follow.
    let (code, body) = broker.api("DELETE", &format!("queues/%2F/{QUEUE}/contents"), None);
    assert_eq!(code, 204, "{body}");
    let info = wait_for_messages(&api, 0).await;
    assert_eq!(
        metric_and_activity(&default, QueueStatus::from_http(&info, false)),
        (0.0, false)
    );
}
