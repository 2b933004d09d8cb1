//! The testkit Service Bus against the real azservicebus client, over 127.0.0.1
//! (docs/servicebus-amqp.md §1–§2: what the broker must do for azservicebus 0.25).

use std::time::Duration;

use azservicebus::{
    CreateMessageBatchOptions, ServiceBusMessage, ServiceBusReceiveMode, ServiceBusReceiverOptions,
    ServiceBusSenderOptions,
};
use kedatui_core::servicebus::{client, connection};
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions};

fn start(opts: FakeServiceBusOptions) -> FakeServiceBus {
    FakeServiceBus::start(opts).expect("fake starts")
}

async fn connect(bus: &FakeServiceBus) -> client::Client {
    let cs = connection::parse(&bus.connection_string()).unwrap();
    tokio::time::timeout(
        Duration::from_secs(10),
        client::connect(&cs, client::retry_options()),
    )
    .await
    .expect("connect in time")
    .expect("connect")
}

#[tokio::test]
async fn peek_lock_settlements_and_annotations_are_service_bus_shaped() {
    let bus = start(FakeServiceBusOptions::default());
    let mut client = connect(&bus).await;
    let mut sender = client
        .create_sender("kedaqueue", ServiceBusSenderOptions::default())
        .await
        .unwrap();
    // One single send (format 0) and one batch (format 0x80013700).
    let mut single = ServiceBusMessage::new("single");
    single.set_message_id("m-single").unwrap();
    sender.send_message(single).await.unwrap();
    let mut batch = sender
        .create_message_batch(CreateMessageBatchOptions {
            max_size_in_bytes: Some(200_000),
        })
        .unwrap();
    for i in 0..4 {
        let mut m = ServiceBusMessage::new(format!("batched-{i}"));
        m.set_message_id(format!("m-{i}")).unwrap();
        batch.try_add_message(m).unwrap();
    }
    sender.send_message_batch(batch).await.unwrap();
    let counts = bus.counts("kedaqueue").unwrap();
    assert_eq!((counts.active, counts.total), (5, 5));

    let mut receiver = client
        .create_receiver_for_queue("kedaqueue", ServiceBusReceiverOptions::default())
        .await
        .unwrap();
    let mut received = receiver
        .receive_messages_with_max_wait_time(5, Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(received.len(), 5);
    let first = &received[0];
    // Getters that panic on a wrongly typed annotation (§1 "Receiver link").
    assert_eq!(first.sequence_number(), 1);
    assert!(first.locked_until().is_some());
    let _ = first.enqueued_time();
    assert_eq!(first.delivery_count(), Some(1));
    assert_eq!(first.body().unwrap(), b"single");
    assert_eq!(bus.counts("kedaqueue").unwrap().locked, 5);

    receiver.complete_message(&received[0]).await.unwrap();
    receiver
        .dead_letter_message(&received[1], Default::default())
        .await
        .unwrap();
    receiver.abandon_message(&received[2], None).await.unwrap();
    let before = received[3].locked_until().unwrap();
    receiver.renew_message_lock(&mut received[3]).await.unwrap();
    assert!(received[3].locked_until().unwrap() >= before);
    receiver.complete_message(&received[3]).await.unwrap();
    receiver.complete_message(&received[4]).await.unwrap();

    let counts = bus
        .wait_for_counts_async("kedaqueue", Duration::from_secs(5), |c| {
            c.completed_total == 3 && c.dead_letter == 1
        })
        .await
        .unwrap_or_else(|| panic!("settlements reach the store: {:?}", bus.counts("kedaqueue")));
    assert_eq!((counts.active, counts.locked), (1, 0));
    // The abandoned message comes back with its delivery count raised.
    let again = receiver
        .receive_messages_with_max_wait_time(1, Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery_count(), Some(2));
    receiver.dispose().await.ok();
    sender.dispose().await.ok();
    client.dispose().await.ok();
}

#[tokio::test]
async fn locks_expire_and_receive_and_delete_removes() {
    let bus = start(FakeServiceBusOptions {
        lock_duration: Duration::from_secs(1),
        ..FakeServiceBusOptions::default()
    });
    assert_eq!(bus.preload("kedaqueue", (0..3).map(|i| vec![i])), 3);
    let mut client = connect(&bus).await;
    let mut peek = client
        .create_receiver_for_queue("kedaqueue", ServiceBusReceiverOptions::default())
        .await
        .unwrap();
    let got = peek
        .receive_messages_with_max_wait_time(3, Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(got.len(), 3);
    // Not settled: the locks lapse and the messages are active again.
    bus.wait_for_counts_async("kedaqueue", Duration::from_secs(10), |c| {
        c.active == 3 && c.locked == 0
    })
    .await
    .expect("locks expire");
    peek.dispose().await.ok();

    let mut delete = client
        .create_receiver_for_queue(
            "kedaqueue",
            ServiceBusReceiverOptions {
                receive_mode: ServiceBusReceiveMode::ReceiveAndDelete,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let got = delete
        .receive_messages_with_max_wait_time(10, Some(Duration::from_secs(2)))
        .await
        .unwrap();
    assert_eq!(got.len(), 3);
    let counts = bus.counts("kedaqueue").unwrap();
    assert_eq!((counts.total, counts.completed_total), (0, 3));
    delete.dispose().await.ok();
    client.dispose().await.ok();
}

/// The broker stops while its receiver links wait for credit with a message in hand (each
/// holds one unsettled message, more are queued): after the restart every message is delivered
/// and completed exactly once, and the queue empties (the unsettled ones after their locks
/// expire, while the new link idles). Each link is mid-hand-over about half the
/// time, so ten of them make a stop that strands none on the old broker all but impossible.
#[tokio::test]
async fn a_broker_stopped_during_delivery_strands_no_message() {
    const COUNT: usize = 40;
    const LINKS: usize = 10;
    let mut bus = start(FakeServiceBusOptions {
        lock_duration: Duration::from_secs(1),
        ..FakeServiceBusOptions::default()
    });
    let bodies: Vec<Vec<u8>> = (0..COUNT).map(|i| format!("m-{i}").into_bytes()).collect();
    assert_eq!(bus.preload("kedaqueue", bodies.clone()), COUNT);
    let mut first = connect(&bus).await;
    let mut receivers = Vec::new();
    for _ in 0..LINKS {
        let mut receiver = first
            .create_receiver_for_queue("kedaqueue", ServiceBusReceiverOptions::default())
            .await
            .unwrap();
        let got = receiver
            .receive_messages_with_max_wait_time(1, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        receivers.push(receiver);
    }
    bus.wait_for_counts_async("kedaqueue", Duration::from_secs(5), |c| {
        c.locked == LINKS as u64
    })
    .await
    .expect("each link holds one message");
    // Every connection drops while the links' deliveries are in progress.
    bus.stop();
    drop(receivers);
    drop(first);
    bus.restart().unwrap();

    let mut client = connect(&bus).await;
    let mut receiver = client
        .create_receiver_for_queue("kedaqueue", ServiceBusReceiverOptions::default())
        .await
        .unwrap();
    let mut completed: Vec<Vec<u8>> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while completed.len() < COUNT && tokio::time::Instant::now() < deadline {
        let got = receiver
            .receive_messages_with_max_wait_time(10, Some(Duration::from_millis(500)))
            .await
            .unwrap();
        for m in got {
            receiver.complete_message(&m).await.unwrap();
            completed.push(m.body().unwrap().to_vec());
        }
    }
    let counts = bus.counts("kedaqueue").unwrap();
    completed.sort();
    let mut want = bodies;
    want.sort();
    assert_eq!(
        completed.len(),
        COUNT,
        "every message came back after the restart: {counts:?}"
    );
    assert_eq!(completed, want, "each exactly once");
    let counts = bus
        .wait_for_counts_async("kedaqueue", Duration::from_secs(5), |c| c.total == 0)
        .await
        .unwrap_or_else(|| panic!("the queue is empty: {:?}", bus.counts("kedaqueue")));
    assert_eq!(counts.completed_total, COUNT as u64, "{counts:?}");
    receiver.dispose().await.ok();
    client.dispose().await.ok();
}

/// A receiver whose receives came back empty (each one ends with a drain) still gets a
/// message that arrives later: the broker hands over what it has before it honours a drain.
#[tokio::test]
async fn an_idle_receiver_gets_a_message_that_arrives_later() {
    let bus = start(FakeServiceBusOptions::default());
    let mut client = connect(&bus).await;
    let mut receiver = client
        .create_receiver_for_queue("kedaqueue", ServiceBusReceiverOptions::default())
        .await
        .unwrap();
    for _ in 0..3 {
        let got = receiver
            .receive_messages_with_max_wait_time(10, Some(Duration::from_millis(200)))
            .await
            .unwrap();
        assert!(got.is_empty());
    }
    assert_eq!(bus.preload("kedaqueue", [b"late".to_vec()]), 1);
    let mut got = Vec::new();
    for _ in 0..20 {
        got = receiver
            .receive_messages_with_max_wait_time(10, Some(Duration::from_millis(500)))
            .await
            .unwrap();
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1, "{:?}", bus.counts("kedaqueue"));
    receiver.complete_message(&got[0]).await.unwrap();
    receiver.dispose().await.ok();
    client.dispose().await.ok();
}
