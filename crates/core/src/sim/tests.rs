//! Whole-world scenarios: the reference's worked examples and edge cases (docs/keda-semantics.md §1.2,
//! §4.3–4.5, §5, §8), and property tests over random scenarios.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::config::{Behavior, HpaBehavior, SelectPolicy, SimConfig};
use super::world::World;

const START: Timestamp = Timestamp::UNIX_EPOCH;

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

fn t(world: &World) -> i64 {
    world.now().duration_since(START).as_secs()
}

/// Steps one second at a time until `until_s`, recording `(t, spec.replicas)` at each change.
fn spec_changes(world: &mut World, until_s: i64) -> Vec<(i64, u32)> {
    let mut changes = vec![];
    let mut last = world.deployment().spec_replicas;
    while t(world) < until_s {
        world.step(secs(1));
        let spec = world.deployment().spec_replicas;
        if spec != last {
            changes.push((t(world), spec));
            last = spec;
        }
    }
    changes
}

fn paused(mut c: SimConfig) -> SimConfig {
    c.consumers_paused = true;
    c
}

/// §4.4 / §4.5 worked example: 100 messages, messageCount 5, max 30; KEDA's defaults (30 s
/// polls, HPA every 15 s), receivers paused so the queue stays at 100.
#[test]
fn worked_example_legacy_and_behavior_defaults() {
    let cases = [
        (
            "legacy",
            HpaBehavior::Legacy,
            vec![(30, 1), (45, 4), (60, 8), (75, 16), (90, 20)],
        ),
        (
            "behavior defaults",
            HpaBehavior::Configured(Behavior::kubernetes_default()),
            vec![(30, 1), (45, 5), (60, 10), (75, 20)],
        ),
    ];
    for (name, behavior, expected) in cases {
        let mut config = paused(SimConfig::keda_defaults());
        config.max_replicas = 30;
        config.hpa_behavior = behavior;
        let mut world = World::new(config, 1, START);
        world.send(100);
        assert_eq!(spec_changes(&mut world, 200), expected, "{name}");
        let decision = world.hpa().unwrap().decision.unwrap();
        assert_eq!(
            (decision.metric, decision.proposal, decision.desired),
            (100, 20, 20),
            "{name}"
        );
    }
}

/// §4.3 tolerance edge: target 5, 2 replicas: 11 messages stay at 2, 12 go to 3.
#[test]
fn tolerance_edges_at_two_replicas() {
    for (messages, expected_spec, within) in
        [(11, 2, true), (12, 3, false), (9, 2, true), (8, 2, false)]
    {
        let mut config = paused(SimConfig::keda_defaults());
        config.min_replicas = 2;
        let mut world = World::new(config, 1, START);
        world.step(secs(1));
        assert_eq!(world.deployment().spec_replicas, 2);
        world.send(messages);
        world.step(secs(30)); // HPA syncs at 15 and 30
        let decision = world.hpa().unwrap().decision.unwrap();
        assert_eq!(
            world.deployment().spec_replicas,
            expected_spec,
            "{messages} messages"
        );
        assert_eq!(decision.within_tolerance, within, "{messages} messages");
    }
}

/// §4.3: `behavior.scaleUp.tolerance` (HPAConfigurableTolerance, on by default from 1.35)
/// narrows the scale-up side: 11 messages at 2 replicas (ratio 1.1) leave a 5% band and go to
/// 3; with the gate off the 0.1 keeps 2. The quantity may be written `0.05` or `50m`.
#[test]
fn a_behavior_scale_up_tolerance_applies_unless_the_gate_is_off() {
    for (quantity, gate, expected_spec, within) in [
        ("\"50m\"", true, 3, false),
        ("0.05", true, 3, false),
        ("\"50m\"", false, 2, true),
    ] {
        let yaml = SCALED_OBJECT_YAML
            .replace("minReplicaCount: 0", "minReplicaCount: 2")
            .replace("messageCount: \"10\"", "messageCount: \"5\"")
            .replace(
                "        scaleDown:\n",
                &format!("        scaleUp:\n          tolerance: {quantity}\n        scaleDown:\n"),
            );
        let mut config =
            paused(SimConfig::from_scaled_object_yaml(&yaml, SimConfig::keda_defaults()).unwrap());
        config.hpa_configurable_tolerance = gate;
        let mut world = World::new(config, 1, START);
        world.step(secs(1));
        assert_eq!(world.deployment().spec_replicas, 2);
        world.send(11);
        world.step(secs(30));
        let hpa = world.hpa().unwrap();
        let what = format!("tolerance {quantity}, gate {gate}");
        assert_eq!(world.deployment().spec_replicas, expected_spec, "{what}");
        assert_eq!(hpa.decision.unwrap().within_tolerance, within, "{what}");
        let shown = if gate { Some(0.05) } else { None };
        assert_eq!(hpa.tolerance.scale_up, shown, "{what}");
        assert_eq!(hpa.tolerance.scale_down, None, "{what}");
    }
    let negative = SCALED_OBJECT_YAML.replace(
        "        scaleDown:\n",
        "        scaleDown:\n          tolerance: \"-0.1\"\n",
    );
    let err = SimConfig::from_scaled_object_yaml(&negative, SimConfig::keda_defaults())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("scaleDown.tolerance must be a non-negative quantity"),
        "{err}"
    );
}

/// §1.2 / §4.2: from 0 only KEDA scales, and only at a poll; meanwhile the HPA is idle.
#[test]
fn scale_from_zero_only_at_a_keda_poll_and_hpa_idle_at_zero() {
    let mut world = World::new(paused(SimConfig::keda_defaults()), 1, START);
    world.step(secs(1));
    world.send(50);
    let changes = spec_changes(&mut world, 29);
    assert_eq!(changes, vec![], "no scaling before the poll at 30 s");
    // The HPA synced at 15 s and stayed idle.
    let hpa = world.hpa().unwrap();
    let active = hpa
        .conditions
        .iter()
        .find(|c| c.type_ == "ScalingActive")
        .unwrap();
    assert_eq!(
        (active.status.as_str(), active.reason.as_str()),
        ("False", "ScalingDisabled")
    );
    assert_eq!(hpa.decision, None);
    assert_eq!(hpa.current_metric, None);
    let so = world.scaled_object();
    assert_eq!(so.last_poll, Some(START));
    assert_eq!(so.next_poll, Some(START + secs(30)));
    world.step(secs(1));
    assert_eq!((t(&world), world.deployment().spec_replicas), (30, 1));
    assert!(world.keda_active());
}

/// §1.2: the cooldown counts from the last poll that saw the queue active, with a strict `<`:
/// last active at 60 s, cooldown 300 s → the poll at 360 s waits, the one at 390 s deactivates.
#[test]
fn cooldown_counts_from_the_last_active_poll() {
    let mut config = SimConfig::keda_defaults();
    config.processing_time = secs(1);
    config.concurrency = 100;
    let mut world = World::new(config, 1, START);
    world.step(secs(25));
    world.send(3);
    // Poll at 30 activates; the pod is Ready at 36 and drains by 37; the poll at 60 sees 0.
    // So the last active poll is 30, and 30 + 300 = 330 is not < 330: deactivation at 360.
    let changes = spec_changes(&mut world, 400);
    assert_eq!(changes, vec![(30, 1), (360, 0)]);
    assert_eq!(world.scaled_object().last_active, Some(START + secs(30)));
    let events: Vec<_> = world.snapshot();
    let deactivated = events.iter().any(|e| {
        matches!(e,
        crate::event::SourceEvent::ClusterEvent(c) if c.reason == "KEDAScaleTargetDeactivated"
            && c.message == "Deactivated apps/v1.Deployment keda-demo/kedasbreceiver from 1 to 0")
    });
    assert!(deactivated);
}

#[test]
fn cooldown_condition_and_expected_deactivation_are_visible() {
    let mut world = World::new(SimConfig::keda_defaults(), 1, START);
    world.send(1);
    world.step(secs(100));
    assert_eq!(world.deployment().spec_replicas, 1);
    let so = world.scaled_object();
    let active = so.conditions.iter().find(|c| c.type_ == "Active").unwrap();
    assert_eq!(active.reason, "ScalerCooldown");
    // last active poll at 30 s → 330 s is not enough (strict), the poll at 360 s deactivates.
    assert_eq!(world.expected_deactivation(), Some(START + secs(360)));
}

/// §4.4: scale-down is held for 300 s by the max over past recommendations.
#[test]
fn scale_down_is_held_by_the_300s_window() {
    let mut config = paused(SimConfig::keda_defaults());
    config.min_replicas = 1;
    let mut world = World::new(config, 1, START);
    world.send(40);
    world.step(secs(120));
    assert_eq!(world.deployment().spec_replicas, 8);
    // Last recommendation of 8 at the sync of 120 s; purge at 121 s.
    assert_eq!(world.purge(), 40);
    let changes = spec_changes(&mut world, 500);
    // Syncs at 135…420 propose 0 → clamp 1, but 8 stays within 300 s of 120 s (inclusive edge).
    assert_eq!(changes, vec![(435, 1)]);
}

/// §5.2: Terminating pods are out of `status.replicas` at once; the HPA's tolerance uses that.
#[test]
fn terminating_pods_are_excluded_from_status_replicas() {
    let mut config = paused(SimConfig::keda_defaults());
    config.pod.shutdown = secs(20);
    config.max_replicas = 4;
    let mut world = World::new(config, 1, START);
    world.send(20);
    world.step(secs(60));
    world.purge();
    let mut seen = false;
    for _ in 0..600 {
        world.step(secs(1));
        let d = world.deployment();
        let pods = world.pods();
        let terminating = pods.iter().filter(|p| p.status == "Terminating").count() as u32;
        assert_eq!(
            d.status_replicas as usize,
            pods.len() - terminating as usize
        );
        if terminating > 0 {
            seen = true;
            assert!(d.status_replicas < pods.len() as u32);
        }
    }
    assert!(seen, "the scale-down left Terminating pods for 20 s");
    assert!(world.pods().is_empty());
}

/// §1.2 / §2.1: active iff ActiveMessageCount > activationMessageCount (strict).
#[test]
fn activation_threshold_is_strict() {
    for (messages, activates) in [(10, false), (11, true), (0, false)] {
        let mut config = paused(SimConfig::keda_defaults());
        config.activation_message_count = 10;
        let mut world = World::new(config, 1, START);
        world.send(messages);
        world.step(secs(31));
        assert_eq!(
            world.deployment().spec_replicas == 1,
            activates,
            "{messages} messages"
        );
        assert_eq!(world.keda_active(), activates, "{messages} messages");
    }
}

/// §1.2: at creation with an empty queue, an existing Deployment is scaled to 0 on the first poll.
#[test]
fn first_poll_scales_an_existing_deployment_to_zero() {
    let mut config = SimConfig::keda_defaults();
    config.initial_replicas = 2;
    let mut world = World::new(config, 1, START);
    assert_eq!(world.deployment().spec_replicas, 0);
    let outcome = world.step(SignedDuration::ZERO);
    let reasons: Vec<_> = outcome.events.iter().map(|e| e.reason.as_str()).collect();
    assert!(
        reasons.contains(&"KEDAScaleTargetDeactivated"),
        "{reasons:?}"
    );
    assert_eq!(world.deployment().status_replicas, 0);
    assert_eq!(world.pods().len(), 2, "still Terminating");
}

#[test]
fn receivers_drain_the_queue_and_pods_go_through_their_stages() {
    let mut config = SimConfig::demo();
    config.pod.scheduling = secs(1);
    config.pod.container_creating = secs(2);
    config.pod.readiness = secs(3);
    let mut world = World::new(config, 1, START);
    world.send(10);
    world.step(secs(5)); // poll at 5 s activates
    let status = |w: &World| {
        w.pods()
            .first()
            .map(|p| (p.status.clone(), p.ready_containers))
    };
    assert_eq!(status(&world), Some(("Pending".into(), 0)));
    world.step(secs(1));
    assert_eq!(status(&world), Some(("ContainerCreating".into(), 0)));
    world.step(secs(2));
    assert_eq!(status(&world), Some(("Running".into(), 0)));
    world.step(secs(3));
    assert_eq!(status(&world), Some(("Running".into(), 1)));
    assert_eq!(world.queue_sample().counts.in_flight, Some(1));
    world.step(secs(120));
    assert_eq!(world.stats().completed, 10);
    assert!(world.stats().drained.is_some());
    assert_eq!(world.accounted_messages(), world.stats().sent);
}

#[test]
fn killed_receivers_leave_locked_messages_until_the_lock_expires() {
    let mut config = SimConfig::demo();
    config.processing_time = secs(100);
    config.pod.shutdown = secs(1);
    // The receiver would drain for longer than the grace period: the kubelet kills it first.
    config.pod.drain_limit = secs(60);
    let mut world = World::new(config, 1, START);
    world.send(1);
    world.step(secs(20));
    assert_eq!(world.queue_sample().counts.in_flight, Some(1));
    assert_eq!(world.queue_sample().counts.active, 0);
    // Nothing active: KEDA's cooldown (30 s) runs out while the message is still locked, the
    // pod is killed, and its lock expires 60 s later (the queue's LockDuration).
    let (mut killed_at, mut back_at) = (None, None);
    for _ in 0..130 {
        world.step(secs(1));
        if killed_at.is_none() && world.pods().is_empty() {
            killed_at = Some(t(&world));
            assert_eq!(
                world.queue_sample().counts.in_flight,
                Some(1),
                "still locked"
            );
        }
        if killed_at.is_some() && back_at.is_none() && world.queue_sample().counts.active == 1 {
            back_at = Some(t(&world));
        }
        assert_eq!(world.accounted_messages(), 1);
    }
    let killed_at = killed_at.expect("scaled to zero");
    // Deactivated at 40 s, SIGKILL at 40 + 30 s grace.
    assert_eq!(killed_at, 70);
    assert_eq!(back_at, Some(killed_at + 60));
    assert_eq!(world.stats().completed, 0);
}

#[test]
fn count_in_flight_as_active_keeps_keda_active() {
    let mut config = SimConfig::demo();
    config.processing_time = secs(300);
    config.count_in_flight_as_active = true;
    let mut world = World::new(config, 1, START);
    world.send(1);
    world.step(secs(120));
    assert_eq!(
        world.queue_sample().counts.active,
        1,
        "the locked message is counted"
    );
    assert_eq!(world.deployment().spec_replicas, 1);
    assert!(world.keda_active());
}

#[test]
fn trickle_sends_at_the_requested_rate() {
    let mut world = World::new(paused(SimConfig::demo()), 1, START);
    world.set_trickle(Some(2.5));
    world.step(secs(10));
    assert_eq!(world.stats().sent, 25);
    world.set_trickle(None);
    world.step(secs(10));
    assert_eq!(world.stats().sent, 25);
}

#[test]
fn events_carry_keda_and_hpa_text() {
    let mut config = paused(SimConfig::keda_defaults());
    config.max_replicas = 30;
    let mut world = World::new(config, 1, START);
    world.send(100);
    let mut events = vec![];
    for _ in 0..50 {
        events.extend(world.step(secs(1)).events);
    }
    let find = |reason: &str| events.iter().find(|e| e.reason == reason).cloned().unwrap();
    let activated = find("KEDAScaleTargetActivated");
    assert_eq!(
        activated.message,
        "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue"
    );
    assert_eq!(
        (activated.object.as_str(), activated.source.as_str()),
        ("ScaledObject/kedasbreceiver-scaler", "keda-operator")
    );
    let rescale = find("SuccessfulRescale");
    assert!(rescale.message.starts_with("New size: 4; reason: external metric s0-azure-servicebus-kedaqueue(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: kedasbreceiver-scaler,}"), "{}", rescale.message);
    assert!(rescale.message.ends_with(") above target"));
    let scaling = find("ScalingReplicaSet");
    assert!(
        scaling
            .message
            .starts_with("Scaled up replica set kedasbreceiver-"),
        "{}",
        scaling.message
    );
    let created = find("SuccessfulCreate");
    assert!(created.message.starts_with("Created pod: kedasbreceiver-"));
}

#[test]
fn deterministic_for_a_seed() {
    let run = |seed| {
        let mut world = World::new(SimConfig::demo(), seed, START);
        world.send(200);
        let mut events = vec![];
        for _ in 0..300 {
            events.extend(world.step(secs(1)).events);
        }
        (events, world.stats().clone())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).0, run(8).0, "pod names depend on the seed");
}

#[test]
fn pod_names_look_like_a_replicasets() {
    let mut world = World::new(paused(SimConfig::demo()), 3, START);
    world.send(100);
    world.step(secs(60));
    let pods = world.pods();
    assert!(pods.len() > 1);
    for p in &pods {
        let parts: Vec<_> = p.name.rsplitn(3, '-').collect();
        assert_eq!(parts.len(), 3, "{}", p.name);
        assert_eq!(parts[0].len(), 5, "{}", p.name);
        assert_eq!(parts[2], "kedasbreceiver");
        assert!(
            parts[0]
                .bytes()
                .all(|b| super::pods::NAME_ALPHABET.contains(&b))
        );
    }
    let mut names: Vec<_> = pods.iter().map(|p| &p.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), pods.len(), "names are unique");
}

#[test]
fn source_events_report_only_what_changed() {
    let mut world = World::new(paused(SimConfig::keda_defaults()), 1, START);
    world.step(secs(1));
    let outcome = world.step(secs(1)); // t=2: nothing due
    assert!(!outcome.pods_changed && !outcome.hpa_changed && !outcome.scaled_object_changed);
    let events = world.source_events(&outcome);
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0], crate::event::SourceEvent::Queue(_)));
    let outcome = world.step(secs(13)); // HPA sync at 15
    assert!(outcome.hpa_changed);
    let snapshot = world.snapshot();
    assert!(
        snapshot
            .iter()
            .any(|e| matches!(e, crate::event::SourceEvent::Hpa(Some(_))))
    );
}

const SCALED_OBJECT_YAML: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: keda-demo
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: kedasbreceiver-scaler
  namespace: keda-demo
spec:
  scaleTargetRef:
    name: kedasbreceiver
  pollingInterval: 5
  cooldownPeriod: 30
  minReplicaCount: 0
  maxReplicaCount: 20
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 60
          policies:
          - type: Pods
            value: 2
            periodSeconds: 30
  triggers:
  - type: azure-servicebus
    metadata:
      queueName: kedaqueue
      messageCount: "10"
      activationMessageCount: "2"
    authenticationRef:
      name: kedasbreceiver-auth
"#;

#[test]
fn config_from_a_scaled_object_yaml() {
    let c =
        SimConfig::from_scaled_object_yaml(SCALED_OBJECT_YAML, SimConfig::keda_defaults()).unwrap();
    assert_eq!(c.polling_interval, secs(5));
    assert_eq!(c.cooldown_period, secs(30));
    assert_eq!((c.min_replicas, c.max_replicas), (0, 20));
    assert_eq!((c.message_count, c.activation_message_count), (10, 2));
    assert_eq!(c.names.queue, "kedaqueue");
    let HpaBehavior::Configured(b) = &c.hpa_behavior else {
        panic!("behavior expected")
    };
    // scaleUp omitted → Kubernetes defaults; scaleDown as written, selectPolicy defaulted.
    assert_eq!(b.scale_up, Behavior::kubernetes_default().scale_up);
    assert_eq!(b.scale_down.stabilization_window, secs(60));
    assert_eq!(b.scale_down.policies.len(), 1);
    assert_eq!(b.scale_down.policies[0].value, 2);
}

#[test]
fn scaled_object_errors_are_specific() {
    let base = SimConfig::keda_defaults;
    let cases = [
        (
            SCALED_OBJECT_YAML.replace("messageCount: \"10\"", "messageCount: \"ten\""),
            "messageCount must be a non-negative whole number",
        ),
        (
            SCALED_OBJECT_YAML.replace("messageCount: \"10\"", "messageCount: \"0\""),
            "messageCount must be at least 1",
        ),
        (
            SCALED_OBJECT_YAML.replace("minReplicaCount: 0", "minReplicaCount: 30"),
            "minReplicaCount (30) is greater than maxReplicaCount (20)",
        ),
        (
            SCALED_OBJECT_YAML.replace("cooldownPeriod: 30", "cooldownPeriod: -5"),
            "cooldownPeriod must not be negative",
        ),
        (
            SCALED_OBJECT_YAML.replace("type: azure-servicebus", "type: kafka"),
            "no trigger of type azure-servicebus",
        ),
        (
            SCALED_OBJECT_YAML.replace("type: Pods", "type: Replicas"),
            "policies[].type must be Pods or Percent",
        ),
        (
            SCALED_OBJECT_YAML.replace("kind: ScaledObject", "kind: ScaledJob"),
            "no document with kind: ScaledObject",
        ),
        ("{ not yaml".to_string(), "not valid YAML"),
    ];
    for (yaml, expected) in cases {
        let err = SimConfig::from_scaled_object_yaml(&yaml, base())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
}

#[test]
fn validate_rejects_nonsense() {
    type Mutation = fn(&mut SimConfig);
    let cases: [(Mutation, &str); 6] = [
        (
            |c| (c.min_replicas, c.max_replicas) = (5, 2),
            "minReplicaCount (5) is greater than maxReplicaCount (2)",
        ),
        (
            |c| c.message_count = 0,
            "messageCount must be at least 1 (it is the HPA's per-pod target)",
        ),
        (|c| c.max_replicas = 0, "maxReplicaCount must be at least 1"),
        (
            |c| c.polling_interval = SignedDuration::ZERO,
            "pollingInterval must be at least 1s, got 0s",
        ),
        (
            |c| c.cooldown_period = secs(-1),
            "cooldownPeriod must be at least 0s, got -1s",
        ),
        (|c| c.concurrency = 0, "concurrency must be at least 1"),
    ];
    for (mutate, expected) in cases {
        let mut c = SimConfig::keda_defaults();
        mutate(&mut c);
        assert_eq!(c.validate().unwrap_err().to_string(), expected);
    }
    assert_eq!(SimConfig::keda_defaults().validate(), Ok(()));
    assert_eq!(SimConfig::demo().validate(), Ok(()));
}

// ---- properties ----

#[derive(Clone, Debug)]
enum Op {
    Step(u32),
    Send(u64),
    Purge,
    Pause(bool),
    Trickle(Option<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1u32..=90).prop_map(Op::Step),
        3 => (0u64..400).prop_map(Op::Send),
        1 => Just(Op::Purge),
        1 => any::<bool>().prop_map(Op::Pause),
        1 => proptest::option::of(1u8..20).prop_map(Op::Trickle),
    ]
}

fn config() -> impl Strategy<Value = SimConfig> {
    (
        0u32..4,
        1u32..40,
        1u64..12,
        0u64..6,
        any::<bool>(),
        1u32..4,
        1i64..8,
        any::<bool>(),
        (
            1i64..40,
            0i64..400,
            0i64..40,
            0i64..5,
            any::<bool>(),
            0u32..6,
        ),
    )
        .prop_map(
            |(
                min,
                extra,
                message_count,
                activation,
                behavior,
                concurrency,
                processing,
                in_flight,
                (poll, cooldown, shutdown, delay, idle, initial),
            )| {
                let mut c = SimConfig::keda_defaults();
                c.min_replicas = min;
                // idleReplicaCount must be below minReplicaCount; 0 is the only documented value.
                c.idle_replicas = (idle && min > 0).then_some(0);
                // May exceed max: the HPA's first sync clamps it (§4.2).
                c.initial_replicas = initial;
                c.max_replicas = min + extra;
                c.message_count = message_count;
                c.activation_message_count = activation;
                if behavior {
                    c.hpa_behavior = HpaBehavior::Configured(Behavior::kubernetes_default());
                }
                c.concurrency = concurrency;
                c.processing_time = secs(processing);
                c.count_in_flight_as_active = in_flight;
                c.polling_interval = secs(poll);
                c.cooldown_period = secs(cooldown);
                c.pod.shutdown = secs(shutdown);
                c.pod.drain_limit = secs(delay * 10);
                // Few deliveries, so abandoned messages reach the dead-letter queue.
                c.max_delivery_count = 1 + (delay as u32 % 3);
                c.pod.scheduling = secs(delay);
                c.pod.readiness = secs(delay);
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Replicas in [0, max]; never below max(1, min) while KEDA sees the trigger active; the
    /// queue never goes negative (u64 arithmetic would panic); messages are conserved; the
    /// Deployment's status matches its pods.
    #[test]
    fn invariants_hold_in_random_scenarios(config in config(), seed in any::<u64>(), ops in proptest::collection::vec(op(), 1..60)) {
        let max = config.max_replicas;
        let floor = config.hpa_min_replicas();
        let counts_in_flight = config.count_in_flight_as_active;
        let mut world = World::new(config, seed, START);
        for op in ops {
            match op {
                Op::Step(s) => { world.step(secs(i64::from(s))); }
                Op::Send(n) => world.send(n),
                Op::Purge => { world.purge(); }
                Op::Pause(p) => world.set_consumers_paused(p),
                Op::Trickle(r) => world.set_trickle(r.map(f64::from)),
            }
            let d = world.deployment();
            prop_assert!(d.spec_replicas <= max, "spec {} > max {}", d.spec_replicas, max);
            if world.keda_active() {
                prop_assert!(d.spec_replicas >= floor, "spec {} below {} while active", d.spec_replicas, floor);
            }
            let s = world.stats();
            let q = world.queue_sample().counts;
            prop_assert_eq!(world.accounted_messages(), s.sent);
            let in_flight = q.in_flight.unwrap();
            let active = if counts_in_flight { q.active - in_flight } else { q.active };
            prop_assert_eq!(s.dead_lettered, q.dead_letter);
            prop_assert_eq!(s.sent, s.completed + active + in_flight + s.dead_lettered + s.purged);
            let pods = world.pods();
            let alive = pods.iter().filter(|p| !p.deleting).count() as u32;
            prop_assert_eq!(alive, d.status_replicas);
            prop_assert_eq!(d.status_replicas, d.spec_replicas);
            let ready = pods.iter().filter(|p| !p.deleting && p.ready_containers == 1).count() as u32;
            prop_assert_eq!(ready, d.ready_replicas);
        }
    }
}

/// §4.2: a target above `maxReplicas` is brought down without the metric's arithmetic.
#[test]
fn hpa_clamps_a_target_above_max() {
    let mut config = paused(SimConfig::keda_defaults());
    (
        config.min_replicas,
        config.max_replicas,
        config.initial_replicas,
    ) = (1, 3, 5);
    let mut world = World::new(config, 1, START);
    let outcome = world.step(SignedDuration::ZERO);
    let rescale = outcome
        .events
        .iter()
        .find(|e| e.reason == "SuccessfulRescale")
        .expect("rescaled at the first sync");
    assert_eq!(
        rescale.message,
        "New size: 3; reason: Current number of replicas above Spec.MaxReplicas"
    );
    assert_eq!(world.deployment().spec_replicas, 3);
    assert_eq!(world.next_hpa_sync(), START + secs(15));
}

/// A terminating receiver finishes its in-flight work within its drain limit (25 s), then exits
/// (1 s); work that would take longer is abandoned at the limit and is deliverable again at once.
#[test]
fn terminating_receivers_drain_or_abandon() {
    // The message is locked at 8.5 s (pod Ready), the last active poll is 5 s, so KEDA
    // deactivates at 40 s: SIGTERM at 40 s, drain limit at 65 s.
    // (name, processing, pod gone at, completed at 70 s, active at 65 s)
    let cases = [
        ("finishes its work, then exits", 35, 45, 1, 0),
        ("abandons at the drain limit", 100, 66, 0, 1),
    ];
    for (name, processing, gone_at, completed, active_at_65) in cases {
        let mut config = SimConfig::demo();
        config.processing_time = secs(processing);
        let mut world = World::new(config, 1, START);
        world.send(1);
        let mut gone = None;
        while t(&world) < 70 {
            world.step(secs(1));
            let pods = world.pods();
            if t(&world) == 41 {
                assert_eq!(pods.len(), 1, "{name}");
                assert_eq!(pods[0].status, "Terminating", "{name}");
                assert_eq!(world.deployment().status_replicas, 0, "{name}");
            }
            if t(&world) == 65 {
                assert_eq!(world.queue_sample().counts.active, active_at_65, "{name}");
            }
            if gone.is_none() && t(&world) > 40 && pods.iter().all(|p| !p.deleting) {
                gone = Some(t(&world));
            }
            assert_eq!(world.accounted_messages(), 1, "{name}");
        }
        assert_eq!(gone, Some(gone_at), "{name}");
        assert_eq!(world.stats().completed, completed, "{name}");
    }
}

/// A message abandoned by terminating receivers comes back each time, one delivery more, until
/// MaxDeliveryCount: then it is dead-lettered.
#[test]
fn repeatedly_abandoned_messages_are_dead_lettered() {
    let mut config = SimConfig::demo();
    config.processing_time = secs(100);
    config.pod.drain_limit = secs(1);
    config.cooldown_period = SignedDuration::ZERO;
    config.max_delivery_count = 3;
    let mut world = World::new(config, 1, START);
    world.send(1);
    // Each cycle: activation at a poll, the pod locks the message 3.5 s later, the next poll
    // deactivates (cooldown 0), the receiver abandons it 1 s after SIGTERM.
    let mut activations = 0;
    let mut dead_at = None;
    while t(&world) < 60 {
        let outcome = world.step(secs(1));
        activations += outcome
            .events
            .iter()
            .filter(|e| e.reason == "KEDAScaleTargetActivated")
            .count();
        if dead_at.is_none() && world.queue_sample().counts.dead_letter == 1 {
            dead_at = Some(t(&world));
        }
        assert_eq!(world.accounted_messages(), 1);
    }
    assert_eq!(activations, 3);
    assert_eq!(dead_at, Some(31));
    let s = world.stats();
    assert_eq!((s.completed, s.dead_lettered), (0, 1));
    assert_eq!(world.queue_sample().counts.active, 0);
}

/// §5.2: the ReplicaSet deletes the newest, least-ready pods first; the oldest survives.
#[test]
fn scale_down_keeps_the_oldest_ready_pod() {
    let mut config = paused(SimConfig::keda_defaults());
    config.min_replicas = 1;
    let mut world = World::new(config, 1, START);
    world.step(secs(1));
    let oldest = world.pods()[0].name.clone();
    world.send(40);
    world.step(secs(120));
    assert_eq!(world.pods().len(), 8);
    world.purge();
    world.step(secs(320)); // the 300 s window after the last proposal of 8 (120 s) ends at 435 s
    let pods = world.pods();
    let alive: Vec<_> = pods.iter().filter(|p| !p.deleting).collect();
    assert_eq!(alive.len(), 1);
    assert_eq!(alive[0].name, oldest);
}

/// The Wi-Fi fallback: a world seeded from live numbers starts with them, then follows the same
/// rules one period later (§1.2 activation and cooldown, §4.2 the HPA's first sync seeded with
/// the current replicas).
#[test]
fn from_live_starts_from_the_live_numbers() {
    // (name, messages, replicas, paused, spec changes until t=60 s); demo settings: polls every
    // 5 s, HPA every 15 s, messageCount 5, cooldown 30 s, max 20, legacy scale-up ×2 (min +4).
    type Case = (&'static str, u64, u32, bool, &'static [(i64, u32)]);
    let cases: [Case; 4] = [
        (
            "busy, paused receivers",
            100,
            4,
            true,
            &[(15, 8), (30, 16), (45, 20)],
        ),
        ("idle at zero", 0, 0, false, &[]),
        // The cooldown counts from the switch: deactivation at the first poll after 30 s.
        (
            "draining, cooldown from the switch",
            0,
            3,
            false,
            &[(35, 0)],
        ),
        // Messages but no pods: the first poll (5 s) activates 0 → 1, then the HPA scales.
        (
            "queued at zero replicas",
            50,
            0,
            true,
            &[(5, 1), (15, 4), (30, 8), (45, 10)],
        ),
    ];
    for (name, messages, replicas, paused_receivers, want) in cases {
        let mut config = SimConfig::demo();
        config.consumers_paused = paused_receivers;
        let mut world = World::from_live(config, 3, START, messages, replicas);
        let q = world.queue_sample().counts;
        assert_eq!(
            q.active + q.in_flight.unwrap_or(0),
            messages,
            "{name}: same depth"
        );
        let d = world.deployment();
        assert_eq!(
            (d.spec_replicas, d.ready_replicas),
            (replicas, replicas),
            "{name}: same replicas, Ready"
        );
        let hpa = world.hpa();
        assert_eq!(
            hpa.map(|h| (h.current_replicas, h.desired_replicas)),
            Some((replicas, replicas)),
            "{name}: the HPA shows the same replicas"
        );
        assert_eq!(world.stats().sent, messages, "{name}: messages accounted");
        assert_eq!(
            world.keda_active(),
            messages > 0,
            "{name}: KEDA's Active condition as its last poll would have left it"
        );
        assert_eq!(spec_changes(&mut world, 60), want, "{name}");
        assert_eq!(
            world.accounted_messages(),
            world.stats().sent,
            "{name}: no message lost"
        );
    }
}

#[test]
fn from_live_emits_no_creation_events() {
    let mut world = World::from_live(SimConfig::demo(), 1, START, 10, 2);
    let out = world.step(secs(0));
    assert!(
        !out.events.iter().any(|e| e.reason == "ScaledObjectReady"),
        "the ScaledObject already existed: {:?}",
        out.events
    );
}

/// What the lab writes into its HPA (`Behavior::to_k8s`) reads back as the behavior it plays.
#[test]
fn a_behavior_round_trips_through_the_hpa_spec() {
    let default = Behavior::kubernetes_default();
    assert_eq!(Behavior::from_k8s(&default.to_k8s()).unwrap(), default);
    let mut custom = default.clone();
    custom.scale_down.select_policy = SelectPolicy::Disabled;
    custom.scale_up.stabilization_window = SignedDuration::from_secs(30);
    custom.scale_up.policies.truncate(1);
    assert_eq!(Behavior::from_k8s(&custom.to_k8s()).unwrap(), custom);
    let spec = serde_json::to_value(default.to_k8s()).unwrap();
    assert_eq!(spec["scaleDown"]["stabilizationWindowSeconds"], 300);
    assert_eq!(spec["scaleUp"]["policies"][0]["type"], "Pods");
}

/// The rabbitmq scaler (docs/keda-semantics.md §10.1): `QueueLength` counts `messages`, ready
/// and unacknowledged, against a default `value` of 20; Service Bus counts ready messages
/// against a `messageCount` of 5. Same 100 messages, two receivers busy with 10 of them.
#[test]
fn rabbitmq_counts_unacked_messages_against_a_target_of_20() {
    use crate::queue::Scaler;
    // (scaler, metric the HPA sees, the replicas it proposes)
    let cases = [(Scaler::ServiceBus, 90, 18), (Scaler::RabbitMq, 100, 5)];
    for (scaler, metric, proposal) in cases {
        let mut config = SimConfig::keda_defaults().with_scaler(scaler);
        // Two receivers, no more, each holding 5 messages for longer than the test.
        (config.min_replicas, config.max_replicas) = (2, 2);
        config.concurrency = 5;
        config.processing_time = secs(3_600);
        let mut world = World::new(config, 1, START);
        // Two Ready receivers first, then the burst.
        spec_changes(&mut world, 60);
        world.send(100);
        spec_changes(&mut world, 200);
        let decision = world.hpa().unwrap().decision.unwrap();
        assert_eq!(
            (decision.metric, decision.proposal),
            (metric, proposal),
            "{scaler:?}"
        );
    }
    let rabbit = SimConfig::keda_defaults().with_scaler(Scaler::RabbitMq);
    assert_eq!(
        (rabbit.message_count, rabbit.names.metric(rabbit.scaler)),
        (20, "s0-rabbitmq-kedaqueue".to_string())
    );
}

/// A ScaledObject with a `rabbitmq` trigger sets the simulator's scaler and numbers; what it
/// counts follows the protocol (HTTP: ready + unacknowledged unless excluded; AMQP: ready).
#[test]
fn a_rabbitmq_scaled_object_sets_the_scaler_its_target_and_what_counts() {
    use crate::queue::Scaler;
    let yaml = |metadata: &str| {
        format!(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: consumer, namespace: demo}}\n\
             spec:\n  scaleTargetRef: {{name: receiver}}\n  triggers:\n  - type: rabbitmq\n    metadata: {{queueName: orders, {metadata}}}\n"
        )
    };
    // (metadata, value, activation, in flight counts) or an error's part
    type Case = (&'static str, Result<(u64, u64, bool), &'static str>);
    let cases: [Case; 5] = [
        (
            "protocol: http, mode: QueueLength, value: '30', activationValue: '2'",
            Ok((30, 2, true)),
        ),
        (
            "protocol: http, excludeUnacknowledged: 'true'",
            Ok((20, 0, false)),
        ),
        ("protocol: amqp", Ok((20, 0, false))),
        (
            "mode: MessageRate, value: '5', protocol: http",
            Err("not modelled"),
        ),
        (
            "protocol: http, mode: QueueLength, value: '2.5'",
            Err("whole number"),
        ),
    ];
    for (metadata, want) in cases {
        let got = SimConfig::from_scaled_object_yaml(&yaml(metadata), SimConfig::keda_defaults());
        match (got, want) {
            (Ok(c), Ok((value, activation, in_flight))) => {
                assert_eq!(c.scaler, Scaler::RabbitMq, "{metadata}");
                assert_eq!(
                    (
                        c.message_count,
                        c.activation_message_count,
                        c.count_in_flight_as_active,
                        c.names.queue.as_str()
                    ),
                    (value, activation, in_flight, "orders"),
                    "{metadata}"
                );
            }
            (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{metadata}: {e}"),
            (got, want) => panic!("{metadata}: {got:?} vs {want:?}"),
        }
    }
}
