//! Screen snapshots (insta + ratatui `TestBackend`) of the states a speaker goes through.
//! Every state is built by feeding hand-written `Event`s through `App::update`, as the sources would.

use crate::support as common;

use common::screen::key;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kedatui::app::{App, AppConfig};
use kedatui::event::{Event, SendProgress, SourceEvent};
use kedatui_core::fixtures::demo_scaled_object;
use kedatui_core::model::{
    ClusterEvent, Condition, DeploymentView, EventType, HpaDecision, HpaView, LimitReason, PodView,
    QueueCounts, QueueSample, ScaledObjectView, names,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const T0: i64 = 1_790_000_000; // 2026-09-21 14:13:20 UTC

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(T0 + s).unwrap()
}

fn src(e: SourceEvent) -> Event {
    Event::Source(e)
}

fn scaled_object(
    active: bool,
    reason: &str,
    last_active: Option<i64>,
    next_poll: i64,
) -> ScaledObjectView {
    ScaledObjectView {
        conditions: vec![
            Condition {
                type_: "Ready".into(),
                status: "True".into(),
                reason: "ScaledObjectReady".into(),
                message: String::new(),
            },
            Condition {
                type_: "Active".into(),
                status: if active { "True" } else { "False" }.into(),
                reason: reason.into(),
                message: String::new(),
            },
        ],
        last_active: last_active.map(t),
        last_poll: Some(t(next_poll - 5)),
        next_poll: Some(t(next_poll)),
        last_poll_metric: None,
        ..demo_scaled_object()
    }
}

fn queue(at: i64, active: u64, in_flight: u64) -> Event {
    src(SourceEvent::Queue(QueueSample {
        at: t(at),
        counts: QueueCounts {
            active,
            in_flight: Some(in_flight),
            dead_letter: 0,
            scheduled: 0,
            total: None,
        },
    }))
}

fn deployment(spec: u32, status: u32, ready: u32) -> Event {
    src(SourceEvent::Deployment(DeploymentView {
        name: names::DEPLOYMENT.into(),
        spec_replicas: spec,
        status_replicas: status,
        ready_replicas: ready,
    }))
}

fn pod(suffix: &str, status: &str, ready: u32, created: i64) -> PodView {
    PodView {
        name: format!("{}-5d8f7c9b4-{suffix}", names::DEPLOYMENT),
        status: status.into(),
        ready_containers: ready,
        total_containers: 1,
        restarts: 0,
        last_restart: None,
        created: t(created),
        deleting: status == "Terminating",
        node: None,
    }
}

fn cluster_event(at: i64, reason: &str, object: &str, message: &str, source: &str) -> Event {
    src(SourceEvent::ClusterEvent(ClusterEvent {
        at: t(at),
        type_: EventType::Normal,
        reason: reason.into(),
        object: object.into(),
        message: message.into(),
        source: source.into(),
        count: 1,
    }))
}

fn tick(s: i64) -> Event {
    Event::Tick { now: t(s) }
}

fn start() -> App {
    let mut app = App::new(AppConfig::default());
    for e in [
        tick(0),
        src(SourceEvent::Warp(1.0)),
        queue(0, 0, 0),
        deployment(0, 0, 0),
        src(SourceEvent::ScaledObject(Box::new(scaled_object(
            false,
            "ScalerNotActive",
            None,
            5,
        )))),
        src(SourceEvent::Hpa(None)),
        src(SourceEvent::Pods(vec![])),
    ] {
        app.update(e);
    }
    app
}

/// 500 messages fired at t=10; KEDA activated at its poll at t=10; HPA 1→4→8→16.
fn mid_burst() -> App {
    let mut app = start();
    for s in 1..=10 {
        app.update(tick(s));
        app.update(queue(s, 0, 0));
    }
    app.update(key('3'));
    app.update(src(SourceEvent::Send(SendProgress {
        burst: 1,
        size: 500,
        sent: 500,
        failed: 0,
        at: t(10),
        done: true,
        cancelled: false,
        error: None,
        maybe_resent: 0,
    })));
    app.update(cluster_event(
        10,
        "KEDAScaleTargetActivated",
        "ScaledObject/kedasbreceiver-scaler",
        "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue",
        "keda-operator",
    ));
    let ready_at = |s: i64| -> u64 {
        match s {
            ..14 => 0,
            14..29 => 1,
            29..44 => 4,
            _ => 8,
        }
    };
    let mut spec = 0;
    for s in 10..=55 {
        app.update(tick(s));
        // Each Ready pod completes a message every 3 s and holds one in flight.
        let ready = ready_at(s);
        let consumed: u64 = (14..s).map(ready_at).sum::<u64>() / 3;
        let depth = 500 - consumed;
        app.update(queue(s, depth - ready.min(depth), ready.min(depth)));
        let new_spec = match s {
            ..25 => 1,
            25..40 => 4,
            40..55 => 8,
            _ => 16,
        };
        if new_spec != spec {
            if spec > 0 {
                app.update(cluster_event(
                    s,
                    "SuccessfulRescale",
                    "HorizontalPodAutoscaler/keda-hpa-kedasbreceiver-scaler",
                    &format!("New size: {new_spec}; reason: external metric s0-azure-servicebus-kedaqueue(&LabelSelector{{MatchLabels:map[string]string{{scaledobject.keda.sh/name: kedasbreceiver-scaler,}},MatchExpressions:[]LabelSelectorRequirement{{}},}}) above target"),
                    "horizontal-pod-autoscaler",
                ));
            }
            spec = new_spec;
        }
        app.update(deployment(spec, spec, ready as u32));
    }
    let mut pods = vec![pod("x2k9p", "Running", 1, 10)];
    for (i, sfx) in ["b7tqz", "c4mnw", "d9rxl"].iter().enumerate() {
        pods.push(pod(sfx, "Running", 1, 25 + i as i64));
    }
    for (i, sfx) in ["f2hk8", "g5vbn", "h8jcs", "k2lmq"].iter().enumerate() {
        pods.push(pod(
            sfx,
            "Running",
            if i < 2 { 1 } else { 0 },
            40 + i as i64,
        ));
    }
    for (i, sfx) in [
        "m4pqr", "n6stv", "p8wxz", "q2bcd", "r4fgh", "s6jkl", "t8mnp", "v2qrs",
    ]
    .iter()
    .enumerate()
    {
        pods.push(pod(
            sfx,
            if i < 5 {
                "ContainerCreating"
            } else {
                "Pending"
            },
            0,
            55,
        ));
    }
    app.update(src(SourceEvent::Pods(pods)));
    app.update(cluster_event(
        55,
        "ScalingReplicaSet",
        "Deployment/kedasbreceiver",
        "Scaled up replica set kedasbreceiver-5d8f7c9b4 from 8 to 16",
        "deployment-controller",
    ));
    app.update(src(SourceEvent::ScaledObject(Box::new(scaled_object(
        true,
        "ScalerActive",
        Some(55),
        60,
    )))));
    app.update(src(SourceEvent::Hpa(Some(Box::new(HpaView {
        name: names::HPA.into(),
        min_replicas: 1,
        max_replicas: 20,
        current_replicas: 8,
        desired_replicas: 16,
        current_metric: Some(54.6),
        target_average: Some(5.0),
        conditions: vec![],
        last_scale_time: Some(t(55)),
        decision: Some(HpaDecision {
            at: t(55),
            metric: 438,
            target: 5,
            current_replicas: 8,
            status_replicas: 8,
            within_tolerance: false,
            proposal: 88,
            stabilized: 88,
            limit: Some((LimitReason::ScaleUpLimit, 16)),
            desired: 16,
            min_replicas: 1,
            max_replicas: 20,
        }),
        last_sync: None,
        next_sync: None,
        tolerance: Default::default(),
    })))));
    app.update(tick(57));
    app
}

/// The same run three minutes later: drained, cooled down, KEDA deactivated, pods terminating.
fn scaled_to_zero() -> App {
    let mut app = mid_burst();
    for s in 58..=150 {
        app.update(tick(s));
        app.update(queue(s, 0, 0));
    }
    app.update(cluster_event(
        150,
        "KEDAScaleTargetDeactivated",
        "ScaledObject/kedasbreceiver-scaler",
        "Deactivated apps/v1.Deployment keda-demo/kedasbreceiver from 16 to 0",
        "keda-operator",
    ));
    app.update(deployment(0, 0, 0));
    app.update(src(SourceEvent::Pods(vec![
        pod("x2k9p", "Terminating", 1, 10),
        pod("b7tqz", "Terminating", 1, 25),
    ])));
    app.update(src(SourceEvent::ScaledObject(Box::new(scaled_object(
        false,
        "ScalerNotActive",
        Some(96),
        155,
    )))));
    app.update(tick(152));
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| f.render_widget(app, f.area())).unwrap();
    terminal.backend().to_string()
}

#[test]
fn empty_start() {
    insta::assert_snapshot!(render(&start(), 120, 40));
}

#[test]
fn mid_burst_scale_out() {
    insta::assert_snapshot!(render(&mid_burst(), 120, 40));
}

#[test]
fn scaled_to_zero_after_cooldown() {
    insta::assert_snapshot!(render(&scaled_to_zero(), 120, 40));
}

#[test]
fn help_overlay() {
    let mut app = mid_burst();
    app.update(key('?'));
    insta::assert_snapshot!(render(&app, 120, 40));
}

#[test]
fn minimum_size_80x24() {
    insta::assert_snapshot!(render(&mid_burst(), 80, 24));
}

#[test]
fn too_small() {
    insta::assert_snapshot!(render(&mid_burst(), 79, 24));
}

#[test]
fn burst_prompt_with_validation_error() {
    let mut app = start();
    for c in ['b', '0'] {
        app.update(key(c));
    }
    app.update(Event::Input(TermEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    let screen = render(&app, 120, 40);
    let last = screen.lines().last().unwrap();
    assert!(
        last.contains("Burst size: 0█  a burst needs at least 1 message"),
        "{last}"
    );
}

#[test]
fn live_mode_shows_health_and_disables_simulator_keys() {
    use kedatui::app::Mode;
    use kedatui::event::{ErrorKind, Health, SourceError, SourceKind};
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(tick(0));
    app.update(src(SourceEvent::Health {
        source: SourceKind::Queue,
        health: Health::Reconnecting("AMQP connection".into()),
    }));
    app.update(src(SourceEvent::Health {
        source: SourceKind::Cluster,
        health: Health::Down(SourceError {
            kind: ErrorKind::Unreachable,
            message: "cannot reach the API server at 127.0.0.1:6443".into(),
        }),
    }));
    let screen = render(&app, 120, 40);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].contains(" LIVE "), "{}", lines[0]);
    assert!(
        !lines[0].contains("warp"),
        "no warp in live mode: {}",
        lines[0]
    );
    assert!(
        lines[0].contains("Service Bus reconnecting") && lines[0].contains("cluster DOWN"),
        "each source's health at a glance: {}",
        lines[0]
    );
    assert!(
        lines[1].contains("Service Bus: reconnecting (AMQP connection)"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("cluster down: cannot reach the API server"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("[s: switch to simulator]"),
        "{}",
        lines[1]
    );
    // At 80×24 the health words shrink so the names keep their room.
    let narrow = render(&app, 80, 24);
    let header = narrow.lines().next().unwrap();
    assert!(
        header.contains("SB retry") && header.contains("k8s DOWN") && header.contains("kedaqueue"),
        "{header}"
    );
    // Pressing a simulator-only key explains itself in the key bar.
    app.update(key('+'));
    let screen = render(&app, 120, 40);
    assert!(
        screen
            .lines()
            .last()
            .unwrap()
            .contains("time warp is simulator-only"),
        "{screen}"
    );
    // The help overlay marks them disabled.
    app.update(key('?'));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("disabled in live mode"), "{screen}");
}

#[test]
fn after_the_fallback_the_header_says_sim_not_live() {
    use kedatui::app::Mode;
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(tick(0));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("s  to simulator"), "{screen}");
    app.update(key('s'));
    assert!(app.take_fallback().is_some());
    let screen = render(&app, 120, 40);
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains(" SIM ") && !header.contains("LIVE"),
        "{header}"
    );
    assert!(header.contains("not live"), "{header}");
    assert!(
        screen.contains("SIMULATOR from here"),
        "the notice says what happened: {screen}"
    );
}

#[test]
fn frozen_chart_says_so() {
    let mut app = mid_burst();
    app.update(key(' '));
    assert!(render(&app, 120, 40).contains(" FROZEN "));
    app.update(key(' '));
    assert!(!render(&app, 120, 40).contains(" FROZEN "));
}

#[test]
fn purge_confirmation_names_the_count_and_queue() {
    let mut app = mid_burst();
    app.update(key('p'));
    let screen = render(&app, 120, 40);
    let last = screen.lines().last().unwrap();
    assert!(
        last.contains("Purge 438 active messages from kedaqueue?"),
        "{last}"
    );
    assert!(last.contains(" y ") && last.contains("n/Esc"), "{last}");
}

#[test]
fn help_overlay_at_80x24() {
    let mut app = mid_burst();
    app.update(key('?'));
    insta::assert_snapshot!(render(&app, 80, 24));
}

/// #10.1: `q` mid-burst asks; the key bar says how to answer.
#[test]
fn quit_question_mid_burst() {
    let mut app = mid_burst();
    app.update(key('q'));
    assert!(!app.should_quit());
    let screen = render(&app, 120, 40);
    insta::assert_snapshot!(screen.lines().last().unwrap());
}

/// #10.3: a dropped key in the burst prompt gives a short hint and never repeats it.
#[test]
fn burst_prompt_drops_a_letter_with_a_hint() {
    let mut app = start();
    for c in ['b', '2', 'x', '5'] {
        app.update(key(c));
    }
    app.update(key('z'));
    let screen = render(&app, 120, 40);
    let last = screen.lines().last().unwrap();
    assert!(last.contains("Burst size: 25█  digits only"), "{last}");
    insta::assert_snapshot!(last);
}

fn pod_line<'a>(screen: &'a str, suffix: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(suffix))
        .unwrap_or_else(|| panic!("no row for {suffix}:\n{screen}"))
}

/// #19.10: RESTARTS reads as kubectl prints it, or the count alone; never `1 (2s ag`.
#[test]
fn restarts_are_never_cut_mid_word() {
    let mut app = mid_burst();
    let mut pods = app
        .cluster
        .pods
        .iter()
        .map(|r| r.pod.clone())
        .collect::<Vec<_>>();
    let crashed = pods.iter_mut().find(|p| p.name.ends_with("m4pqr")).unwrap();
    crashed.status = "Running".into();
    crashed.restarts = 1;
    crashed.last_restart = Some(t(55));
    app.update(src(SourceEvent::Pods(pods)));
    let wide = render(&app, 120, 40);
    let line = pod_line(&wide, "m4pqr");
    assert!(line.contains(" 1 (2s ago) "), "{line}");
    let narrow = render(&app, 80, 24);
    let line = pod_line(&narrow, "m4pqr");
    assert!(
        line.contains(" 1   2s ") && !line.contains("1 ("),
        "the count alone when the full text does not fit: {line}"
    );
}

fn gauge_lines(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let end = lines
        .iter()
        .skip(3)
        .position(|l| l.trim_start_matches('"').starts_with('└'))
        .unwrap()
        + 3;
    lines[3..end].join("\n")
}

/// #19.10: at 80 columns the trickle and paused consumers are never the part cut off: what
/// matters least (the total sent, the last burst, time to empty) goes first.
#[test]
fn trickle_and_paused_consumers_stay_on_screen_at_80_columns() {
    let mut app = mid_burst();
    app.update(key('t'));
    app.update(key('c'));
    for (w, h) in [(80, 24), (80, 30), (120, 40)] {
        let gauge = gauge_lines(&render(&app, w, h));
        assert!(
            gauge.contains("trickle 5/s") && gauge.contains("consumers PAUSED"),
            "{w}×{h}:\n{gauge}"
        );
        assert!(gauge.contains("active 438"), "{w}×{h}:\n{gauge}");
        assert!(gauge.contains("drain 2.7/s"), "{w}×{h}:\n{gauge}");
    }
}

/// #19.10: below the minimum size the keys still act, so a question keeps the bottom row.
#[test]
fn the_quit_question_shows_on_the_too_small_screen() {
    let mut app = mid_burst();
    app.update(key('q'));
    assert!(!app.should_quit());
    for (w, h) in [(79, 24), (40, 10)] {
        let screen = render(&app, w, h);
        let last = screen.lines().last().unwrap();
        assert!(
            last.contains("Quit?") && last.contains(" y "),
            "{w}×{h}:\n{screen}"
        );
        assert!(screen.contains("terminal too small"), "{w}×{h}:\n{screen}");
    }
    app.update(key('n'));
    let screen = render(&app, 79, 24);
    assert!(!screen.contains("Quit?"), "{screen}");
}

/// A live console with burst #1 of 1 000 000 going out: 416 527 sent so far.
fn live_mid_big_burst() -> App {
    use kedatui::app::Mode;
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(tick(0));
    app.update(queue(0, 0, 0));
    app.update(key('b'));
    for c in "1m".chars() {
        app.update(key(c));
    }
    app.update(Event::Input(TermEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    let ms = |m: i64| t(0) + jiff::SignedDuration::from_millis(m);
    for i in 1..=25u64 {
        let at = ms(100 * i as i64);
        app.update(Event::Tick { now: at });
        app.update(src(SourceEvent::Send(SendProgress {
            burst: 1,
            size: 1_000_000,
            sent: (416_527 * i) / 25,
            failed: 0,
            at,
            done: false,
            cancelled: false,
            error: None,
            maybe_resent: 0,
        })));
    }
    app.update(src(SourceEvent::Queue(QueueSample {
        at: ms(2500),
        counts: QueueCounts {
            active: 416_527,
            in_flight: Some(0),
            ..QueueCounts::default()
        },
    })));
    app
}

/// #19.10: the purge question says that what a burst still sends is purged too.
#[test]
fn the_purge_question_says_a_running_burst_is_purged_too() {
    let mut app = live_mid_big_burst();
    app.update(key('p'));
    let wide = render(&app, 120, 40);
    let last = wide.lines().last().unwrap();
    assert!(
        last.contains(
            "Purge 416 527 active messages from kedaqueue and the 583 473 burst #1 still sends?"
        ),
        "{last}"
    );
    assert!(last.contains(" y ") && last.contains("n/Esc"), "{last}");
    let narrow = render(&app, 80, 24);
    let last = narrow.lines().last().unwrap();
    assert!(
        last.contains("Purge 416 527 active + 583 473 still to send?") && last.contains("n/Esc"),
        "{last}"
    );
}

/// #19.10: while a big burst goes out, `send` is its rate, not `0/s`.
#[test]
fn the_send_rate_shows_a_burst_going_out() {
    let app = live_mid_big_burst();
    for (w, h) in [(120, 40), (80, 24)] {
        let gauge = gauge_lines(&render(&app, w, h));
        assert!(
            gauge.contains("▶ burst #1 416 527/1 000 000"),
            "{w}×{h}:\n{gauge}"
        );
        assert!(gauge.contains("send 166 611/s"), "{w}×{h}:\n{gauge}");
    }
}

/// Live mode on RabbitMQ: the header names the broker and the trigger's `value`, the gauge the
/// broker's ready and unacked counts.
#[test]
fn live_rabbitmq_names_the_broker_and_its_counts() {
    use kedatui::app::Mode;
    use kedatui::event::{Health, SourceKind};
    use kedatui_core::queue::Scaler;
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        scaler: Scaler::RabbitMq,
        ..AppConfig::default()
    });
    for e in [
        tick(0),
        queue(0, 30, 8),
        src(SourceEvent::Health {
            source: SourceKind::Queue,
            health: Health::Connected,
        }),
        deployment(2, 2, 2),
        src(SourceEvent::ScaledObject(Box::new(ScaledObjectView {
            scaler: Some(Scaler::RabbitMq),
            message_count: 20,
            activation_message_count: 0,
            ..scaled_object(true, "ScalerActive", Some(0), 5)
        }))),
    ] {
        app.update(e);
    }
    insta::assert_snapshot!(render(&app, 120, 40));
}
