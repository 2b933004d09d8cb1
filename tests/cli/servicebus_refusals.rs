//! #10 item 4: a wrong key is not reported as missing Manage rights. Against the loopback broker
//! over real sockets: a wrong key refused by the management API (REST `InvalidSignature`) and by
//! CBS (put-token 401) says the key or the policy name is wrong; only the REST 401 that names the
//! Manage claim says the policy needs Manage. The header shows the cause at 120 columns.

use std::time::Duration;

use kedatui::app::{App, AppConfig, Mode};
use kedatui::event::{ErrorKind, Event, Health, SourceError, SourceEvent, SourceKind};
use kedatui_core::queue::Queue;
use kedatui_core::servicebus::counts::{MANAGE_RIGHTS, needs_manage};
use kedatui_core::servicebus::{ServiceBusConfig, connection};
use kedatui_servicebus::errors::KEY_REFUSED;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule, random_key};

fn bus() -> FakeServiceBus {
    FakeServiceBus::start(FakeServiceBusOptions {
        rules: vec![
            SasRule {
                name: "keda-manage".into(),
                key: random_key(),
                rights: Rights::ALL,
            },
            SasRule {
                name: "kedatui-send".into(),
                key: random_key(),
                rights: Rights {
                    manage: false,
                    send: true,
                    listen: false,
                },
            },
        ],
        ..Default::default()
    })
    .unwrap()
}

fn config(cs: &str, bus: &FakeServiceBus) -> ServiceBusConfig {
    let mut cfg = ServiceBusConfig::new(connection::parse(cs).unwrap(), "kedaqueue");
    cfg.management_url = bus.management_url().parse().unwrap();
    cfg.count_interval = Duration::from_millis(100);
    cfg
}

fn with_wrong_key(cs: &str) -> String {
    cs.split(';')
        .map(|p| match p.strip_prefix("SharedAccessKey=") {
            Some(_) => format!("SharedAccessKey={}", random_key()),
            None => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The header's two lines of a live App at 120×40 whose Service Bus source is down with `e`.
fn header_at_120(e: &SourceError) -> String {
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(Event::Tick {
        now: "2026-12-01T12:00:00Z".parse().unwrap(),
    });
    app.update(Event::Source(SourceEvent::Health {
        source: SourceKind::Queue,
        health: Health::Down(e.clone()),
    }));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let screen = terminal.backend().to_string();
    screen.lines().take(3).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "current_thread")]
async fn a_wrong_key_says_so_and_only_a_missing_manage_claim_says_needs_manage() {
    let bus = bus();
    let manage = bus.connection_string_for("keda-manage");
    let wrong = with_wrong_key(&manage);

    // REST: InvalidSignature → the key was refused, not "needs Manage".
    let e = Queue::ServiceBus(config(&wrong, &bus))
        .read_counts()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(e.message.starts_with(KEY_REFUSED), "{}", e.message);
    assert!(
        !needs_manage(&e) && !e.message.contains("Manage"),
        "{}",
        e.message
    );
    assert!(e.message.contains("policy `keda-manage`"), "{}", e.message);
    let header = header_at_120(&e);
    assert!(header.contains("wrong key or policy name"), "{header}");

    // CBS: the put-token is refused with InvalidSignature → the same cause, no "needs Send".
    let e = Queue::ServiceBus(config(&wrong, &bus))
        .check_send()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e:?}");
    assert!(e.message.starts_with(KEY_REFUSED), "{}", e.message);
    assert!(!e.message.contains("needs"), "{}", e.message);
    let header = header_at_120(&e);
    assert!(header.contains("wrong key or policy name"), "{header}");

    // An unknown policy name is a wrong key too.
    let renamed = manage.replace(
        "SharedAccessKeyName=keda-manage",
        "SharedAccessKeyName=nope",
    );
    let e = Queue::ServiceBus(config(&renamed, &bus))
        .read_counts()
        .await
        .unwrap_err();
    assert!(e.message.starts_with(KEY_REFUSED), "{}", e.message);

    // The right key of a Send-only policy: the 401 names the Manage claim → needs Manage.
    let send_only = bus.connection_string_for("kedatui-send");
    let e = Queue::ServiceBus(config(&send_only, &bus))
        .read_counts()
        .await
        .unwrap_err();
    assert!(needs_manage(&e), "{}", e.message);
    assert!(e.message.contains(MANAGE_RIGHTS), "{}", e.message);
    let header = header_at_120(&e);
    assert!(header.contains("needs Manage rights"), "{header}");
    // ... and it may send.
    Queue::ServiceBus(config(&send_only, &bus))
        .check_send()
        .await
        .unwrap();
}
