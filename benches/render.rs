//! One frame of the console at 120×40 with 500 pods, 15 minutes of chart history and a full
//! events panel. Target: ≤ 2 ms per frame.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use kedatui::app::{App, AppConfig};
use kedatui::event::{Event, SendProgress, SourceEvent};
use kedatui_core::model::{
    ClusterEvent, Condition, DeploymentView, EventType, HpaDecision, HpaView, LimitReason, PodView,
    QueueCounts, QueueSample, ScaledObjectView, names,
};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use kedatui_core::fixtures::demo_scaled_object;

const PODS: u32 = 500;
const HISTORY_SECS: i64 = 15 * 60;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).unwrap()
}

fn busy_app() -> App {
    let mut app = App::new(AppConfig::default());
    let statuses = [
        "Running",
        "Running",
        "Running",
        "ContainerCreating",
        "Pending",
        "Terminating",
    ];
    for s in 0..=HISTORY_SECS {
        app.update(Event::Tick { now: t(s) });
        let depth = ((s as f64 / 40.0).sin().abs() * 5000.0) as u64;
        app.update(Event::Source(SourceEvent::Queue(QueueSample {
            at: t(s),
            counts: QueueCounts {
                active: depth,
                in_flight: Some(depth / 10),
                ..QueueCounts::default()
            },
        })));
        if s % 15 == 0 {
            let spec = (depth / 5).min(u64::from(PODS)) as u32;
            app.update(Event::Source(SourceEvent::Deployment(DeploymentView {
                name: names::DEPLOYMENT.into(),
                spec_replicas: spec,
                status_replicas: spec,
                ready_replicas: spec * 3 / 4,
            })));
            app.update(Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
                at: t(s),
                type_: EventType::Normal,
                reason: "SuccessfulRescale".into(),
                object: format!("HorizontalPodAutoscaler/{}", names::HPA),
                message: format!("New size: {spec}; reason: external metric s0-azure-servicebus-kedaqueue above target"),
                source: "horizontal-pod-autoscaler".into(),
                count: 1,
            })));
        }
        if s % 120 == 0 {
            app.update(Event::Input(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Char('5'),
                    crossterm::event::KeyModifiers::NONE,
                ),
            )));
            app.update(Event::Source(SourceEvent::Send(SendProgress {
                burst: (s / 120 + 1) as u64,
                size: 5000,
                sent: 5000,
                failed: 0,
                at: t(s),
                done: true,
                cancelled: false,
                error: None,
                maybe_resent: 0,
            })));
        }
    }
    let pods = (0..PODS)
        .map(|i| PodView {
            name: format!("{}-5d8f7c9b4-{i:05}", names::DEPLOYMENT),
            status: statuses[i as usize % statuses.len()].into(),
            ready_containers: u32::from(i % 3 == 0),
            total_containers: 1,
            restarts: i % 4,
            last_restart: (i % 4 > 0).then(|| t(HISTORY_SECS - 100)),
            created: t(i64::from(i)),
            deleting: statuses[i as usize % statuses.len()] == "Terminating",
            node: Some(format!("node-{}", i % 3)),
        })
        .collect();
    app.update(Event::Source(SourceEvent::Pods(pods)));
    app.update(Event::Source(SourceEvent::ScaledObject(Box::new(
        ScaledObjectView {
            max_replicas: PODS,
            conditions: vec![Condition {
                type_: "Active".into(),
                status: "True".into(),
                reason: "ScalerActive".into(),
                message: String::new(),
            }],
            last_active: Some(t(HISTORY_SECS)),
            last_poll: Some(t(HISTORY_SECS)),
            next_poll: Some(t(HISTORY_SECS + 5)),
            last_poll_metric: None,
            ..demo_scaled_object()
        },
    ))));
    app.update(Event::Source(SourceEvent::Hpa(Some(Box::new(HpaView {
        name: names::HPA.into(),
        min_replicas: 1,
        max_replicas: PODS,
        current_replicas: 250,
        desired_replicas: 500,
        current_metric: Some(9.0),
        target_average: Some(5.0),
        conditions: vec![],
        last_scale_time: Some(t(HISTORY_SECS)),
        decision: Some(HpaDecision {
            at: t(HISTORY_SECS),
            metric: 4500,
            target: 5,
            current_replicas: 250,
            status_replicas: 250,
            within_tolerance: false,
            proposal: 900,
            stabilized: 900,
            limit: Some((LimitReason::TooManyReplicas, PODS)),
            desired: PODS,
            min_replicas: 1,
            max_replicas: PODS,
        }),
        last_sync: None,
        next_sync: None,
        tolerance: Default::default(),
    })))));
    app
}

fn render(c: &mut Criterion) {
    let app = busy_app();
    assert_eq!(app.cluster.pods.len(), PODS as usize);
    assert!(app.queue.history.len() as i64 > HISTORY_SECS);
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    c.bench_function("render 120x40, 500 pods, 15 min history", |b| {
        b.iter(|| {
            buf.reset();
            (&app).render(area, &mut buf);
            std::hint::black_box(&buf);
        })
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
