//! Live mode end to end below the terminal: the console's live sources (Service Bus over AMQP +
//! REST, the cluster over the kube API) against the loopback fakes, into a real `App`, with the
//! App's commands routed back the way the main loop does. Then the Wi-Fi fallback: the Service
//! Bus fake stops, the header's health says so, `s` switches to the simulator, which carries on
//! from the same queue depth and replicas with the live ScaledObject's settings.
//! Waits are on App conditions with timeouts, never sleeps.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use kedatui::app::{App, AppConfig, Mode, SourceKindKey};
use kedatui::args::cluster::ClusterArgs;
use kedatui::args::queue::QueueArgs;
use kedatui::args::servicebus::ServiceBusArgs;
use kedatui::event::{ErrorKind, Event, Health};
use kedatui::source::Sources;
use kedatui::source::live::{self, LiveConfig, Setup};
use kedatui_core::sim::SimConfig;
use testkit::kube::demo::{self, PodStage};
use testkit::kube::{FakeApiServer, Options};
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions};
use tokio::sync::mpsc::UnboundedReceiver;

const TIMEOUT: Duration = Duration::from_secs(30);

use crate::support as common;

use common::screen::key;

/// The console's live flags against the fakes, as a speaker passes them: the connection string
/// in a file, the REST fake's URL, a kubeconfig for the API server; the files go in `dir`.
fn live_args(bus: &FakeServiceBus, api: &FakeApiServer, dir: &Path) -> (QueueArgs, ClusterArgs) {
    let kubeconfig = dir.join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "default").unwrap();
    let cs_file = dir.join("connection-string");
    std::fs::write(&cs_file, bus.connection_string()).unwrap();
    let servicebus = ServiceBusArgs {
        connection_string_file: Some(cs_file),
        management_url: Some(bus.management_url()),
        count_interval: Duration::from_millis(100),
        ..ServiceBusArgs::default()
    };
    let cluster = ClusterArgs {
        kubeconfig: Some(kubeconfig),
        ..ClusterArgs::default()
    };
    let queue = QueueArgs {
        servicebus,
        ..QueueArgs::default()
    };
    (queue, cluster)
}

/// Spawns the live sources as the console does and a live-mode App to feed.
fn spawn_live_app(live_config: LiveConfig) -> (UnboundedReceiver<Event>, Sources, App) {
    let (tx, events) = live::world_channel();
    let mut sources = Sources::default();
    live::spawn_live(live_config, tx, &mut sources).unwrap();
    let app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    (events, sources, app)
}

fn press(app: &mut App, sources: &Sources, c: char) {
    for command in app.update(key(c)) {
        assert!(sources.route(&command), "{command:?} was routed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_sources_into_the_app_then_the_fallback() {
    let mut bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let api = FakeApiServer::start_with(Options {
        seed_demo: true,
        ..Options::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Mode selection as the console does it: a connection string file → live.
    let (servicebus, cluster) = live_args(&bus, &api, dir.path());
    let Setup::Live(live_config) = live::resolve(false, &servicebus, Default::default(), &cluster)
        .await
        .unwrap()
    else {
        panic!("a connection string means live mode");
    };
    assert!(live_config.cluster.is_ok(), "{:?}", live_config.cluster);

    let (mut events, mut sources, mut app) = spawn_live_app(*live_config);

    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "both sources connected",
        |a| {
            a.health.get(&SourceKindKey::Queue) == Some(&Health::Connected)
                && a.health.get(&SourceKindKey::Cluster) == Some(&Health::Connected)
        },
    )
    .await;

    // Simulator-only keys do nothing in live mode and say why.
    for k in ['+', 'c'] {
        assert!(app.update(key(k)).is_empty(), "{k}");
        assert!(
            app.prompt
                .notice
                .as_ref()
                .is_some_and(|n| n.text.contains("simulator-only")),
            "{k}: {:?}",
            app.prompt.notice
        );
    }

    // Burst: key 3 (500) goes over AMQP; the count comes back from the REST endpoint.
    press(&mut app, &sources, '3');
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "500 active messages",
        |a| a.depth_active() == 500,
    )
    .await;
    assert_eq!(bus.counts("kedaqueue").unwrap().active, 500);

    // Pods and the Deployment created in the API server show in the App.
    api.apply(demo::deployment(demo::NAMESPACE, 3));
    for (i, stage) in [
        PodStage::Ready,
        PodStage::Ready,
        PodStage::ContainerCreating,
    ]
    .into_iter()
    .enumerate()
    {
        api.apply(demo::pod(
            demo::NAMESPACE,
            &format!("kedasbreceiver-7d9f8b6c5d-live{i}"),
            stage,
        ));
    }
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "3 pods, spec 3",
        |a| a.cluster.pods.len() == 3 && a.deployment_spec() == Some(3),
    )
    .await;
    assert!(
        app.cluster
            .scaled_object
            .as_ref()
            .is_some_and(|so| so.polling_interval.as_secs() == 5 && so.max_replicas == 20),
        "the live ScaledObject: {:?}",
        app.cluster.scaled_object
    );

    // Wi-Fi gone: the Service Bus fake stops; the health turns Down with a classified reason.
    bus.stop();
    common::pump_until(TIMEOUT, &mut app, &mut events, &sources, "Service Bus down", |a| {
        matches!(a.health.get(&SourceKindKey::Queue), Some(Health::Down(e)) if e.kind == ErrorKind::Unreachable || e.kind == ErrorKind::Timeout)
    })
    .await;
    let Some(Health::Down(err)) = app.health.get(&SourceKindKey::Queue) else {
        unreachable!()
    };
    let key_text = bus.options().rules[0].key.clone();
    assert!(!err.message.contains(&key_text), "no secret: {err}");

    // `s`: the simulator, seeded with what the App showed.
    let (depth, replicas) = (app.depth(), app.deployment_spec());
    assert_eq!((depth, replicas), (500, Some(3)));
    assert!(app.update(key('s')).is_empty());
    let seed = app
        .take_fallback()
        .expect("s in live mode asks for the fallback");
    // The flags' settings differ from the live ScaledObject's, so the test sees which won.
    let base = SimConfig::keda_defaults();
    assert_ne!(base.polling_interval.as_secs(), 5);
    let (tx, mut sim_events) = live::world_channel();
    let (sim_sources, warning) = live::start_fallback(&seed, &base, 7, Timestamp::now(), tx);
    assert_eq!(warning, None);
    let live_sources = std::mem::replace(&mut sources, sim_sources);
    drop(events);
    live_sources.shutdown().await;

    assert!(app.is_simulator() && app.from_live);
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut sim_events,
        &sources,
        "the simulator's first snapshot",
        // The simulator's ScaledObject (after its queue, pods and Deployment) knows its next
        // poll; a live one never does.
        |a| {
            a.cluster
                .scaled_object
                .as_ref()
                .is_some_and(|so| so.next_poll.is_some())
        },
    )
    .await;
    assert!(
        app.cluster
            .pods
            .iter()
            .all(|p| !p.pod.name.contains("-live")),
        "the simulator's pods replaced the live ones"
    );
    assert_eq!(app.depth(), 500, "same queue depth");
    assert_eq!(app.deployment_spec(), Some(3), "same replicas");
    let so = app.cluster.scaled_object.clone().unwrap();
    assert_eq!(
        (
            so.polling_interval.as_secs(),
            so.cooldown_period.as_secs(),
            so.max_replicas,
            so.message_count
        ),
        (5, 30, 20, 5),
        "the live ScaledObject's settings, not the flags'"
    );
    // It carries on: the 3 Ready simulated receivers drain, and new bursts go to the simulator.
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut sim_events,
        &sources,
        "the queue draining",
        |a| a.depth() < 500,
    )
    .await;
    press(&mut app, &sources, '1');
    let before = app.queue.rates.sent_total();
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut sim_events,
        &sources,
        "a simulated burst",
        |a| a.queue.rates.sent_total() >= before + 10,
    )
    .await;
    assert_eq!(
        bus.counts("kedaqueue").unwrap().enqueued_total,
        500,
        "nothing more reached the (stopped) live queue"
    );
    sources.shutdown().await;
}

/// No cluster reachable (the API server gone): the queue side keeps working, and the cluster's
/// health says why. Without any cluster configuration the same holds, with the reason shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_side_works_without_a_cluster() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let api = FakeApiServer::start_with(Options::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (servicebus, cluster) = live_args(&bus, &api, dir.path());
    api.stop();
    let Setup::Live(live_config) = live::resolve(false, &servicebus, Default::default(), &cluster)
        .await
        .unwrap()
    else {
        panic!("live mode");
    };
    let (mut events, sources, mut app) = spawn_live_app(*live_config);
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "the cluster reported down",
        |a| {
            matches!(
                a.health.get(&SourceKindKey::Cluster),
                Some(Health::Down(e)) if e.kind == ErrorKind::Unreachable
            )
        },
    )
    .await;
    press(&mut app, &sources, '2');
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "100 active messages",
        |a| a.depth_active() == 100,
    )
    .await;
    sources.shutdown().await;
}

/// #19.4: on a cluster rehearsed on shortly before, KEDA's `KEDAScaleTargetActivated` of half
/// an hour ago is listed at start-up; "first Ready pod" counts only this run's activation (it
/// once said `32m41s` in a 4-minute run). #18.12: the pod's creationTimestamp has whole seconds,
/// and the pod still counts when it reads just before the sub-second message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_ready_pod_ignores_events_listed_from_before_the_run() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let api = FakeApiServer::start_with(Options {
        seed_demo: true,
        ..Options::default()
    })
    .await
    .unwrap();
    let old = (Timestamp::now() - jiff::SignedDuration::from_mins(30))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let activated = |name: &str| {
        demo::event(
            demo::NAMESPACE,
            name,
            "ScaledObject",
            "kedasbreceiver-scaler",
            "KEDAScaleTargetActivated",
            "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue",
            "keda-operator",
        )
    };
    let mut rehearsal = activated("rehearsal");
    rehearsal["firstTimestamp"] = old.clone().into();
    rehearsal["lastTimestamp"] = old.into();
    api.apply(rehearsal);
    let dir = tempfile::tempdir().unwrap();
    let (servicebus, cluster) = live_args(&bus, &api, dir.path());
    let Setup::Live(live_config) = live::resolve(false, &servicebus, Default::default(), &cluster)
        .await
        .unwrap()
    else {
        panic!("live mode");
    };
    let (mut events, sources, mut app) = spawn_live_app(*live_config);
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "the rehearsal's event listed",
        |a| {
            a.cluster
                .events
                .iter()
                .any(|e| e.reason == "KEDAScaleTargetActivated")
        },
    )
    .await;
    // A receiver left Ready from the rehearsal: it answered no message of this run.
    api.apply(demo::pod(
        demo::NAMESPACE,
        "kedasbreceiver-7d9f8b6c5d-old01",
        PodStage::Ready,
    ));
    common::pump_until(TIMEOUT, &mut app, &mut events, &sources, "the pod", |a| {
        !a.cluster.pods.is_empty()
    })
    .await;
    assert_eq!(
        app.summary().first_ready_after_activation,
        None,
        "nothing activated during this run"
    );

    // This run: a burst, KEDA activates, a new pod turns Ready.
    press(&mut app, &sources, '1');
    common::pump_until(TIMEOUT, &mut app, &mut events, &sources, "10 sent", |a| {
        a.queue.rates.sent_total() == 10
    })
    .await;
    api.apply(activated("this-run"));
    api.apply(demo::pod(
        demo::NAMESPACE,
        "kedasbreceiver-7d9f8b6c5d-new01",
        PodStage::Ready,
    ));
    common::pump_until(
        TIMEOUT,
        &mut app,
        &mut events,
        &sources,
        "the first Ready pod of this run",
        |a| a.summary().first_ready_after_activation.is_some(),
    )
    .await;
    let after = app.summary().first_ready_after_activation.unwrap();
    assert!(
        after < jiff::SignedDuration::from_secs(30),
        "timed from this run's burst: {after:?}"
    );
    sources.shutdown().await;
}

/// The watched ScaledObject's trigger picks the broker when `--scaler` is not given, and a
/// contradiction is refused before the terminal is touched: the demo's ScaledObject has an
/// `azure-servicebus` trigger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scaled_objects_trigger_picks_the_broker_or_refuses_a_mismatch() {
    use kedatui::args::queue::{QueueEnv, ScalerArg};
    use kedatui_core::queue::Scaler;
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let api = FakeApiServer::start_with(Options {
        seed_demo: true,
        ..Options::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (queue_args, cluster) = live_args(&bus, &api, dir.path());
    let rabbit = QueueEnv {
        rabbitmq_url: Some("amqp://speaker:pw@127.0.0.1:5672/%2F".into()),
        ..QueueEnv::default()
    };
    // Both brokers configured, no flag: the trigger decides.
    let Setup::Live(live_config) = live::resolve(false, &queue_args, rabbit.clone(), &cluster)
        .await
        .unwrap()
    else {
        panic!("live mode expected");
    };
    assert_eq!(live_config.queue.scaler(), Scaler::ServiceBus);
    // `--scaler rabbitmq` against an azure-servicebus trigger.
    let flagged = QueueArgs {
        scaler: Some(ScalerArg::Rabbitmq),
        ..queue_args.clone()
    };
    let e = live::resolve(false, &flagged, rabbit.clone(), &cluster)
        .await
        .unwrap_err();
    assert!(
        e.0.contains("--scaler rabbitmq is given, but ScaledObject keda-demo/kedasbreceiver-scaler scales on a `azure-servicebus` trigger"),
        "{e}"
    );
    // Only RabbitMQ configured: the trigger asks for Service Bus, which is not there.
    let rabbit_only = QueueArgs {
        servicebus: ServiceBusArgs {
            connection_string_file: None,
            ..queue_args.servicebus.clone()
        },
        ..queue_args.clone()
    };
    let e = live::resolve(false, &rabbit_only, rabbit, &cluster)
        .await
        .unwrap_err();
    assert!(
        e.0.contains("scales on a `azure-servicebus` trigger, but no Service Bus is configured"),
        "{e}"
    );
    assert!(!e.0.contains("pw@"), "{e}");
}
