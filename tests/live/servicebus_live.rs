//! Live mode against the loopback Service Bus (testkit), over real 127.0.0.1 connections:
//! the console's queue source, the doctor checks, and their errors.

use std::time::{Duration, Instant};

use kedatui::event::WorldCommand as Command;
use kedatui::event::{
    ErrorKind, Event, Health, PurgeProgress, SendProgress, SourceError, SourceEvent,
};
use kedatui_core::queue::Queue;
use kedatui_core::queue::source::spawn_queue_source;
use kedatui_core::servicebus::counts::MANAGE_RIGHTS;
use kedatui_core::servicebus::{ServiceBusConfig, connection};
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule, random_key};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

fn config(bus: &FakeServiceBus, rule: &str, queue: &str) -> ServiceBusConfig {
    let cs = connection::parse(&bus.connection_string_for(rule)).unwrap();
    let mut cfg = ServiceBusConfig::new(cs, queue);
    cfg.management_url = bus.management_url().parse().unwrap();
    cfg.count_interval = Duration::from_millis(100);
    cfg
}

/// The console's queue source on `cfg`: the sender of its commands and the events it sends.
fn spawn_source(cfg: ServiceBusConfig) -> (UnboundedSender<Command>, UnboundedReceiver<Event>) {
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    (spawn_queue_source(cfg, tx).unwrap(), events)
}

/// Asks the source for burst number `burst` of `count` messages, as a burst key does.
fn burst(commands: &UnboundedSender<Command>, burst: u64, count: u64) {
    commands.send(Command::Burst { burst, count }).unwrap();
}

/// Waits for an event matching `pick`, failing after `timeout`.
async fn next_matching<T>(
    events: &mut UnboundedReceiver<Event>,
    timeout: Duration,
    mut pick: impl FnMut(&SourceEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Some(Event::Source(e))) => {
                if let Some(t) = pick(&e) {
                    return t;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the source stopped"),
            Err(_) => panic!("no matching event within {timeout:?}"),
        }
    }
}

fn done_burst(burst: u64) -> impl FnMut(&SourceEvent) -> Option<SendProgress> {
    move |e| match e {
        SourceEvent::Send(p) if p.burst == burst && p.done => Some(p.clone()),
        _ => None,
    }
}

fn done_purge(e: &SourceEvent) -> Option<PurgeProgress> {
    match e {
        SourceEvent::Purge(p) if p.done => Some(p.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_burst_of_10_000_arrives_exactly_and_purge_drains_it() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let (commands, mut events) =
        spawn_source(config(&bus, "RootManageSharedAccessKey", "kedaqueue"));
    burst(&commands, 1, 10_000);
    let done = next_matching(&mut events, Duration::from_secs(120), done_burst(1)).await;
    assert_eq!((done.sent, done.failed, done.error), (10_000, 0, None));
    // The count the console shows comes from the REST endpoint.
    let active = next_matching(&mut events, Duration::from_secs(10), |e| match e {
        SourceEvent::Queue(s) if s.counts.active == 10_000 => Some(s.counts.clone()),
        _ => None,
    })
    .await;
    assert_eq!(active.total, Some(10_000));
    assert_eq!(bus.counts("kedaqueue").unwrap().enqueued_total, 10_000);

    commands.send(Command::Purge).unwrap();
    let purged = next_matching(&mut events, Duration::from_secs(120), done_purge).await;
    assert_eq!((purged.removed, purged.error), (10_000, None));
    let counts = bus.counts("kedaqueue").unwrap();
    assert_eq!((counts.total, counts.completed_total), (0, 10_000));
}

#[tokio::test]
async fn broker_killed_and_restarted_mid_burst() {
    // Duplicate detection makes the broker's count exact when a batch whose acknowledgement
    // was lost is resent (kedatui resends with the same message ids).
    let mut bus = FakeServiceBus::start(FakeServiceBusOptions {
        duplicate_detection: true,
        ..FakeServiceBusOptions::default()
    })
    .unwrap();
    let (commands, mut events) =
        spawn_source(config(&bus, "RootManageSharedAccessKey", "kedaqueue"));
    let size = 60_000;
    burst(&commands, 1, size);
    // Mid-burst: some messages are in, the burst is not done.
    let first = bus
        .wait_for_counts_async("kedaqueue", Duration::from_secs(60), |c| {
            c.enqueued_total > 0
        })
        .await
        .expect("the burst starts");
    assert!(
        first.enqueued_total < size,
        "the burst finished before the kill: {first:?}"
    );
    bus.restart().unwrap();
    let done = next_matching(&mut events, Duration::from_secs(180), done_burst(1)).await;
    let held = bus.counts("kedaqueue").unwrap();
    assert_eq!(
        done.sent, held.total,
        "reported sent = what the broker holds ({done:?}, {held:?})"
    );
    assert_eq!(done.sent + done.failed, size);
    // A restart is survivable: azservicebus reconnects, kedatui resends the batch in flight.
    assert_eq!((done.sent, &done.error), (size, &None));
    // The source is alive and sends again.
    burst(&commands, 2, 10);
    let again = next_matching(&mut events, Duration::from_secs(60), done_burst(2)).await;
    assert_eq!((again.sent, again.error), (10, None));
}

/// Every error text a test saw, checked for secrets at the end.
fn assert_no_secret(errors: &[SourceError], keys: &[&str]) {
    for e in errors {
        for key in keys {
            assert!(!e.message.contains(key), "a key leaked: {}", e.message);
        }
        assert!(
            !e.message.contains("sig="),
            "a signature leaked: {}",
            e.message
        );
    }
}

#[tokio::test]
async fn errors_are_classified_clearly_and_carry_no_secret() {
    let send_only = SasRule {
        name: "sender".into(),
        key: random_key(),
        rights: Rights::SEND,
    };
    let bus = FakeServiceBus::start(FakeServiceBusOptions {
        rules: vec![
            SasRule {
                name: "RootManageSharedAccessKey".into(),
                key: random_key(),
                rights: Rights::ALL,
            },
            send_only.clone(),
        ],
        ..FakeServiceBusOptions::default()
    })
    .unwrap();
    let root_key = bus.options().rules[0].key.clone();
    let mut seen = Vec::new();

    // Wrong key: same rule name, another key.
    let wrong_key = random_key();
    let mut wrong = config(&bus, "RootManageSharedAccessKey", "kedaqueue");
    wrong.connection = connection::parse(&format!(
        "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={wrong_key};UseDevelopmentEmulator=true",
        bus.amqp_port()
    ))
    .unwrap();
    let e = Queue::ServiceBus(wrong.clone())
        .check_send()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(e.message.contains("credentials"), "{}", e.message);
    seen.push(e);
    let e = Queue::ServiceBus(wrong.clone())
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    seen.push(e);

    // Unknown queue: AMQP and REST.
    let missing = config(&bus, "RootManageSharedAccessKey", "no-such-queue");
    let e = Queue::ServiceBus(missing.clone())
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
    assert!(e.message.contains("no-such-queue"), "{}", e.message);
    seen.push(e);
    let (commands, mut events) = spawn_source(missing);
    let started = Instant::now();
    burst(&commands, 7, 5);
    let done = next_matching(&mut events, Duration::from_secs(60), done_burst(7)).await;
    // Reported as soon as the broker says so, not after azservicebus's retry budget.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let e = done.error.expect("sending to a missing queue fails");
    assert_eq!(
        (e.kind.clone(), done.sent, done.failed),
        (ErrorKind::NotFound, 0, 5),
        "{e:?}"
    );
    seen.push(e);
    drop(commands);

    // A Send-only policy cannot read counts.
    let e = Queue::ServiceBus(config(&bus, "sender", "kedaqueue"))
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert!(e.message.contains(MANAGE_RIGHTS), "{}", e.message);
    seen.push(e);
    // ... but can send.
    Queue::ServiceBus(config(&bus, "sender", "kedaqueue"))
        .check_send()
        .await
        .unwrap();

    // Nothing listening: a clear error within 10 s.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut dead = config(&bus, "RootManageSharedAccessKey", "kedaqueue");
    dead.connection = connection::parse(&format!(
        "Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=k;SharedAccessKey={wrong_key};UseDevelopmentEmulator=true"
    ))
    .unwrap();
    dead.management_url = format!("http://127.0.0.1:{port}/").parse().unwrap();
    let started = Instant::now();
    let e = Queue::ServiceBus(dead.clone())
        .check_send()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.kind, ErrorKind::Unreachable, "{e:?}");
    seen.push(e);
    let started = Instant::now();
    let e = Queue::ServiceBus(dead.clone())
        .read_counts()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(e.kind, ErrorKind::Unreachable, "{e:?}");
    seen.push(e);

    // The console's source reports the same through Health.
    let (_commands, mut events) = spawn_source(dead);
    let e = next_matching(&mut events, Duration::from_secs(10), |e| match e {
        SourceEvent::Health {
            health: Health::Down(e),
            ..
        } => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(e.kind, ErrorKind::Unreachable);
    seen.push(e);

    assert_no_secret(&seen, &[&root_key, &wrong_key, &send_only.key]);
}

#[tokio::test]
async fn bursts_queue_up_cancel_and_trickle() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let (commands, mut events) =
        spawn_source(config(&bus, "RootManageSharedAccessKey", "kedaqueue"));
    // Two bursts queue behind each other; cancelling stops the running one and drops the queued one.
    burst(&commands, 1, 200_000);
    burst(&commands, 2, 10);
    next_matching(&mut events, Duration::from_secs(60), |e| match e {
        SourceEvent::Send(p) if p.burst == 1 && p.sent > 0 => Some(()),
        _ => None,
    })
    .await;
    commands.send(Command::CancelBursts).unwrap();
    let first = next_matching(&mut events, Duration::from_secs(60), done_burst(1)).await;
    assert!(first.cancelled && first.sent < 200_000, "{first:?}");
    assert_eq!(first.sent + first.failed, 200_000);
    let second = next_matching(&mut events, Duration::from_secs(60), done_burst(2)).await;
    assert!(second.cancelled && second.sent == 0, "{second:?}");
    assert_eq!(bus.counts("kedaqueue").unwrap().total, first.sent);
    // A burst after the cancel goes out.
    burst(&commands, 3, 10);
    let third = next_matching(&mut events, Duration::from_secs(60), done_burst(3)).await;
    assert_eq!((third.sent, third.cancelled), (10, false));

    // The trickle: on, messages arrive, off.
    let before = bus.counts("kedaqueue").unwrap().total;
    commands.send(Command::SetTrickle(Some(50.0))).unwrap();
    next_matching(&mut events, Duration::from_secs(10), |e| {
        (e == &SourceEvent::Trickle(Some(50.0))).then_some(())
    })
    .await;
    bus.wait_for_counts_async("kedaqueue", Duration::from_secs(20), |c| {
        c.total >= before + 20
    })
    .await
    .expect("the trickle sends");
    // Reported the console's way: burst TRICKLE_BURST, `sent` a growing running total.
    let mut totals = Vec::new();
    while totals.len() < 3 {
        totals.push(
            next_matching(&mut events, Duration::from_secs(10), |e| match e {
                SourceEvent::Send(p) if p.burst == kedatui::event::TRICKLE_BURST => {
                    assert_eq!((p.size, p.done), (0, false), "{p:?}");
                    Some(p.sent)
                }
                _ => None,
            })
            .await,
        );
    }
    assert!(
        totals.windows(2).all(|w| w[0] < w[1]),
        "a running total: {totals:?}"
    );
    commands.send(Command::SetTrickle(None)).unwrap();
    next_matching(&mut events, Duration::from_secs(10), |e| {
        (e == &SourceEvent::Trickle(None)).then_some(())
    })
    .await;
}

/// A Send-only policy with a Manage string for counts (the least-privilege set-up,
/// docs/live-servicebus.md "Which rights each part needs"; docs/keda-semantics.md §6.6), end to
/// end through the console's
/// source: bursts go out with the Send policy, the gauge's counts come with the Manage policy,
/// purge drains with it. Without it, the same Send policy shows the Manage-rights message.
#[tokio::test]
async fn send_only_policy_with_a_manage_string_for_counts() {
    use kedatui::args::servicebus::{ServiceBusArgs, ServiceBusEnv};
    let rule = |name: &str, rights| SasRule {
        name: name.into(),
        key: random_key(),
        rights,
    };
    // Its own queue name: the broker-log bridge is process-wide and keeps lines naming the
    // queue, so this test's refused purge must not colour the other tests' errors.
    let queue = "least-privilege";
    let bus = FakeServiceBus::start(FakeServiceBusOptions {
        queues: vec![queue.into()],
        rules: vec![
            rule("kedatui-send", Rights::SEND),
            rule("keda-manage", Rights::ALL),
        ],
        ..FakeServiceBusOptions::default()
    })
    .unwrap();
    let keys: Vec<String> = bus.options().rules.iter().map(|r| r.key.clone()).collect();
    let args = ServiceBusArgs {
        management_url: Some(bus.management_url()),
        queue: Some(queue.into()),
        count_interval: Duration::from_millis(100),
        ..ServiceBusArgs::default()
    };
    let resolve = |manage: Option<String>| {
        args.resolve_env(ServiceBusEnv {
            connection_string: Some(bus.connection_string_for("kedatui-send")),
            manage_connection_string: manage,
        })
        .unwrap()
        .unwrap()
    };
    let down = |e: &SourceEvent| match e {
        SourceEvent::Health {
            health: Health::Down(e),
            ..
        } => Some(e.clone()),
        _ => None,
    };
    let mut seen = Vec::new();

    // Send + Manage-for-counts: no Down, the burst's count arrives, purge drains it.
    let (commands, mut events) =
        spawn_source(resolve(Some(bus.connection_string_for("keda-manage"))));
    burst(&commands, 1, 500);
    let done = next_matching(&mut events, Duration::from_secs(60), |e| {
        if let Some(error) = down(e) {
            panic!("the source went down: {error:?}");
        }
        done_burst(1)(e)
    })
    .await;
    assert_eq!((done.sent, done.failed, done.error), (500, 0, None));
    let counts = next_matching(&mut events, Duration::from_secs(10), |e| {
        if let Some(error) = down(e) {
            panic!("counts went down: {error:?}");
        }
        match e {
            SourceEvent::Queue(s) if s.counts.active == 500 => Some(s.counts.clone()),
            _ => None,
        }
    })
    .await;
    assert_eq!(counts.total, Some(500));
    commands.send(Command::Purge).unwrap();
    let purged = next_matching(&mut events, Duration::from_secs(60), done_purge).await;
    // A Send-only policy cannot receive: purge used the Manage string.
    assert_eq!((purged.removed, purged.error), (500, None));
    assert_eq!(bus.counts(queue).unwrap().total, 0);
    drop(commands);

    // The same Send policy alone: sends work, counts say how to fix it, purge is refused.
    let (commands, mut events) = spawn_source(resolve(None));
    let e = next_matching(&mut events, Duration::from_secs(10), down).await;
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    for want in [
        MANAGE_RIGHTS,
        "policy `kedatui-send` cannot: set $SERVICEBUS_MANAGE_CONNECTION_STRING",
    ] {
        assert!(e.message.contains(want), "{}", e.message);
    }
    seen.push(e);
    commands.send(Command::Purge).unwrap();
    let purged = next_matching(&mut events, Duration::from_secs(60), done_purge).await;
    let e = purged.error.expect("a Send-only policy cannot purge");
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    seen.push(e);
    drop(commands);

    // A manage string with a wrong key: bursts still arrive (they never use it), counts say
    // which variable holds the refused policy.
    let wrong_key = random_key();
    let wrong = format!(
        "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName=keda-manage;SharedAccessKey={wrong_key};UseDevelopmentEmulator=true",
        bus.amqp_port()
    );
    let (commands, mut events) = spawn_source(resolve(Some(wrong)));
    let e = next_matching(&mut events, Duration::from_secs(10), down).await;
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(
        e.message
            .contains("policy `keda-manage` from $SERVICEBUS_MANAGE_CONNECTION_STRING"),
        "{}",
        e.message
    );
    seen.push(e);
    burst(&commands, 2, 7);
    let done = next_matching(&mut events, Duration::from_secs(60), done_burst(2)).await;
    assert_eq!((done.sent, done.error), (7, None));
    assert_eq!(bus.counts(queue).unwrap().total, 7);

    let mut all_keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    all_keys.push(&wrong_key);
    assert_no_secret(&seen, &all_keys);
}
