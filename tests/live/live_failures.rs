//! #10 item 7: failures show in the numbers. The console's live Service Bus source against the
//! loopback broker, through a TCP proxy the test controls, into a real `App`: the network is cut
//! and the broker killed mid-burst. While counts cannot be read the rates read "—"; the burst
//! ends with a failed count on screen and in the exit summary; the broker comes back with an
//! empty queue (a restart that wiped it) and "time to drain" says "queue reset", not a drain.
//! Waits are on App conditions with timeouts, never sleeps.

use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use kedatui::app::{App, AppConfig, Mode, SourceKindKey};
use kedatui::event::{Event, Health};
use kedatui::source::Sources;
use kedatui_core::servicebus::{ServiceBusConfig, connection};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use testkit::proxy::TcpProxy;
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions};
use tokio::sync::mpsc::UnboundedReceiver;

const TIMEOUT: Duration = Duration::from_secs(60);

use crate::support as common;

/// The broker, a proxy in front of its AMQP port (the REST counts go direct), the console's live
/// Service Bus source through it, and a live-mode App whose key `1` fires `burst`.
struct Rig {
    bus: FakeServiceBus,
    proxy: TcpProxy,
    events: UnboundedReceiver<Event>,
    sources: Sources,
    app: App,
}

impl Rig {
    fn start(burst: u64) -> Self {
        let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
        let proxy = TcpProxy::start(([127, 0, 0, 1], bus.amqp_port()).into()).unwrap();
        let cs = bus.connection_string().replace(
            &format!("127.0.0.1:{}", bus.amqp_port()),
            &format!("127.0.0.1:{}", proxy.port()),
        );
        let mut cfg = ServiceBusConfig::new(connection::parse(&cs).unwrap(), "kedaqueue");
        cfg.management_url = bus.management_url().parse().unwrap();
        cfg.count_interval = Duration::from_millis(100);
        let (tx, events) = kedatui::source::live::world_channel();
        let commands = kedatui_core::queue::source::spawn_queue_source(cfg, tx).unwrap();
        let mut sources = Sources::default();
        sources.add(
            "servicebus",
            kedatui::source::live_queue_accepts,
            commands,
            None,
        );
        let app = App::new(AppConfig {
            mode: Mode::Live,
            bursts: vec![burst],
            ..AppConfig::default()
        });
        Self {
            bus,
            proxy,
            events,
            sources,
            app,
        }
    }
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| f.render_widget(app, f.area())).unwrap();
    terminal.backend().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_lost_mid_burst_shows_failed_dashes_and_queue_reset() {
    // Large enough that a count (every 100 ms) lands mid-burst however fast the loopback is: 5 000
    // went out between two counts on a quiet machine.
    const BURST: u64 = 50_000;
    let Rig {
        mut bus,
        proxy,
        mut events,
        sources,
        mut app,
    } = Rig::start(BURST);
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "a first count",
        |a| a.queue.sample.is_some(),
    )
    .await;
    for command in app.update(Event::Input(TermEvent::Key(KeyEvent::from(KeyCode::Char(
        '1',
    ))))) {
        assert!(sources.route(&command));
    }
    // Messages reach the broker and the gauge before the fault.
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "messages counted",
        |a| a.depth() > 0,
    )
    .await;
    let before_cut = bus.counts("kedaqueue").unwrap().active;
    assert!(
        before_cut < BURST,
        "cut mid-burst ({before_cut} already sent)"
    );
    // The network goes and the broker dies with it: sends and counts both fail.
    proxy.cut();
    let opts = bus.options().clone();
    let (amqp_port, http_port) = (bus.amqp_port(), bus.http_port());
    bus.stop();

    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "counts stale",
        |a| a.queue.stale,
    )
    .await;
    let shown = screen(&app);
    assert!(
        shown.contains("send —") && shown.contains("drain —") && shown.contains("empty in —"),
        "rates read — while Service Bus is down:\n{shown}"
    );

    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "the burst's end",
        |a| a.sends.active.is_empty() && a.sends.last.as_ref().is_some_and(|s| s.done),
    )
    .await;
    let last = app.sends.last.clone().unwrap();
    assert!(last.failed > 0, "{last:?}");
    assert_eq!(last.sent + last.failed, BURST, "{last:?}");
    let shown = screen(&app);
    assert!(
        shown.contains(&format!("{} failed", group(last.failed))),
        "failed count on screen:\n{shown}"
    );

    // The broker comes back on the same ports without the messages (a wiped queue).
    let _fresh = FakeServiceBus::start(FakeServiceBusOptions {
        amqp_port,
        http_port,
        ..opts
    })
    .unwrap();
    proxy.resume();
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "an empty queue read",
        |a| !a.queue.stale && a.depth() == 0,
    )
    .await;
    let summary = app.summary().to_string();
    assert!(
        summary.contains(&format!("messages failed      {}", group(last.failed))),
        "{summary}"
    );
    assert!(
        summary.contains("time to drain        queue reset"),
        "a wiped queue is not a drain:\n{summary}"
    );
    sources.shutdown().await;
}

/// A burst that fails while the counts keep coming (only AMQP is cut) leaves the header at
/// `DOWN`; once the network is back the idle sender attaches a link again by itself, and the
/// header says `ok` with no further burst. The counts never failed, so only the sender can have
/// said so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_burst_the_header_turns_ok_when_the_network_does() {
    const BURST: u64 = 2_000;
    let Rig {
        bus,
        proxy,
        mut events,
        sources,
        mut app,
    } = Rig::start(BURST);
    let sb_health = |a: &App| a.health.get(&SourceKindKey::Queue).cloned();
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "a first count",
        |a| a.queue.sample.is_some(),
    )
    .await;
    proxy.cut();
    for command in app.update(Event::Input(TermEvent::Key(KeyEvent::from(KeyCode::Char(
        '1',
    ))))) {
        assert!(sources.route(&command));
    }
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "the burst's end",
        |a| a.sends.active.is_empty() && a.sends.last.as_ref().is_some_and(|s| s.done),
    )
    .await;
    assert_eq!(app.sends.last.as_ref().unwrap().failed, BURST);
    // The burst's last progress comes first, then the sender's verdict.
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "Service Bus DOWN",
        |a| matches!(sb_health(a), Some(Health::Down(_))),
    )
    .await;
    assert!(screen(&app).contains("Service Bus DOWN"));

    proxy.resume();
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "Service Bus ok again",
        |a| sb_health(a) == Some(Health::Connected),
    )
    .await;
    let shown = screen(&app);
    assert!(shown.contains("Service Bus ok"), "{shown}");
    assert_eq!(
        bus.counts("kedaqueue").unwrap().active,
        0,
        "nothing was sent"
    );
    sources.shutdown().await;
}

/// `12345` → `12 345`, as the console prints counts.
fn group(n: u64) -> String {
    kedatui::format::group_thousands(n)
}
