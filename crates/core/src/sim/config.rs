//! The simulator's knobs: KEDA's ScaledObject numbers, the HPA's behavior, the receivers and pods.

use crate::queue::Scaler;
use jiff::SignedDuration;
use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscalerBehavior};

use super::hpa::Tolerances;
use crate::crd::{ScaledObject, defaults};
use crate::model::{HpaBehaviorKind, HpaTolerance, names};

/// The names of the simulated objects (the demo's, from `crate::model::names`, by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimNames {
    pub namespace: String,
    pub deployment: String,
    pub container: String,
    pub scaled_object: String,
    pub queue: String,
}

impl Default for SimNames {
    fn default() -> Self {
        Self {
            namespace: names::NAMESPACE.to_string(),
            deployment: names::DEPLOYMENT.to_string(),
            container: names::CONTAINER.to_string(),
            scaled_object: names::SCALED_OBJECT.to_string(),
            queue: names::QUEUE.to_string(),
        }
    }
}

impl SimNames {
    /// `keda-hpa-<scaledobject>` (docs/keda-semantics.md §1.3).
    pub fn hpa(&self) -> String {
        format!("keda-hpa-{}", self.scaled_object)
    }

    /// The external metric name for trigger 0 (docs/keda-semantics.md §1.3):
    /// `s0-azure-servicebus-<queue>`, or `s0-rabbitmq-<queue>` with the queue query-escaped
    /// first (`pkg/scalers/rabbitmq_scaler.go`, `GetMetricSpecForScaling`).
    pub fn metric(&self, scaler: Scaler) -> String {
        match scaler {
            Scaler::ServiceBus => {
                format!("s0-azure-servicebus-{}", normalize_metric_part(&self.queue))
            }
            Scaler::RabbitMq => {
                let escaped: String =
                    url::form_urlencoded::byte_serialize(self.queue.as_bytes()).collect();
                format!(
                    "s0-{}",
                    normalize_metric_part(&format!("rabbitmq-{escaped}"))
                )
            }
        }
    }
}

/// KEDA's `NormalizeString`: `/ . : % ( )` become `-` (docs/keda-semantics.md §1.3).
fn normalize_metric_part(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '/' | '.' | ':' | '%' | '(' | ')' => '-',
            c => c,
        })
        .collect()
}

/// `selectPolicy` of an HPA scaling rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Pods,
    Percent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub kind: PolicyKind,
    pub value: u32,
    pub period: SignedDuration,
}

/// One direction of an HPA `behavior`, after the API server's defaulting (docs/keda-semantics.md §4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalingRules {
    pub stabilization_window: SignedDuration,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (a Quantity such as `0.05` or `50m`): this direction's tolerance when the
    /// `HPAConfigurableTolerance` gate is on; `None` keeps the controller's (docs/keda-semantics.md §4.3).
    pub tolerance: Option<Tolerance>,
}

/// A tolerance as a finite, non-negative ratio (`Eq` so that [`ScalingRules`] stays comparable).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance(pub f64);

impl Eq for Tolerance {}

/// A defaulted HPA `behavior`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

impl Behavior {
    /// `defaultHPAScaleUpRules` / `defaultHPAScaleDownRules` (docs/keda-semantics.md §4.1): up: window 0,
    /// Max of Pods 4/15 s and Percent 100/15 s; down: window 300 s, Percent 100/15 s.
    pub fn kubernetes_default() -> Self {
        Self {
            scale_up: default_scale_up(),
            scale_down: default_scale_down(),
        }
    }

    /// Applies `SetDefaults_HorizontalPodAutoscalerBehavior` to a behavior from YAML.
    pub fn from_k8s(behavior: &HorizontalPodAutoscalerBehavior) -> Result<Self, ConfigError> {
        Ok(Self {
            scale_up: rules_from_k8s("scaleUp", behavior.scale_up.as_ref(), default_scale_up())?,
            scale_down: rules_from_k8s(
                "scaleDown",
                behavior.scale_down.as_ref(),
                default_scale_down(),
            )?,
        })
    }
}

impl Behavior {
    /// The behavior as the HPA's `spec.behavior` carries it, every field spelled out (what the
    /// API server's defaulting would leave): [`Behavior::from_k8s`] reads it back unchanged.
    pub fn to_k8s(&self) -> HorizontalPodAutoscalerBehavior {
        HorizontalPodAutoscalerBehavior {
            scale_up: Some(self.scale_up.to_k8s()),
            scale_down: Some(self.scale_down.to_k8s()),
        }
    }
}

impl ScalingRules {
    fn to_k8s(&self) -> HPAScalingRules {
        use k8s_openapi::api::autoscaling::v2::HPAScalingPolicy;
        HPAScalingRules {
            stabilization_window_seconds: Some(self.stabilization_window.as_secs() as i32),
            select_policy: Some(
                match self.select_policy {
                    SelectPolicy::Max => "Max",
                    SelectPolicy::Min => "Min",
                    SelectPolicy::Disabled => "Disabled",
                }
                .to_string(),
            ),
            policies: Some(
                self.policies
                    .iter()
                    .map(|p| HPAScalingPolicy {
                        type_: match p.kind {
                            PolicyKind::Pods => "Pods",
                            PolicyKind::Percent => "Percent",
                        }
                        .to_string(),
                        value: p.value as i32,
                        period_seconds: p.period.as_secs() as i32,
                    })
                    .collect(),
            ),
            ..HPAScalingRules::default()
        }
    }
}

fn default_scale_up() -> ScalingRules {
    ScalingRules {
        stabilization_window: SignedDuration::ZERO,
        select_policy: SelectPolicy::Max,
        policies: vec![
            ScalingPolicy {
                kind: PolicyKind::Pods,
                value: 4,
                period: SignedDuration::from_secs(15),
            },
            ScalingPolicy {
                kind: PolicyKind::Percent,
                value: 100,
                period: SignedDuration::from_secs(15),
            },
        ],
        tolerance: None,
    }
}

fn default_scale_down() -> ScalingRules {
    ScalingRules {
        // nil in the API defaults; the controller fills it from its 5 min flag.
        stabilization_window: SignedDuration::from_secs(300),
        select_policy: SelectPolicy::Max,
        policies: vec![ScalingPolicy {
            kind: PolicyKind::Percent,
            value: 100,
            period: SignedDuration::from_secs(15),
        }],
        tolerance: None,
    }
}

fn rules_from_k8s(
    direction: &'static str,
    rules: Option<&HPAScalingRules>,
    default: ScalingRules,
) -> Result<ScalingRules, ConfigError> {
    let Some(rules) = rules else {
        return Ok(default);
    };
    let stabilization_window = match rules.stabilization_window_seconds {
        None => default.stabilization_window,
        Some(s) if (0..=3600).contains(&s) => SignedDuration::from_secs(i64::from(s)),
        Some(s) => {
            return Err(ConfigError::Behavior(format!(
                "{direction}.stabilizationWindowSeconds must be between 0 and 3600, got {s}"
            )));
        }
    };
    let select_policy = match rules.select_policy.as_deref() {
        None | Some("Max") => SelectPolicy::Max,
        Some("Min") => SelectPolicy::Min,
        Some("Disabled") => SelectPolicy::Disabled,
        Some(other) => {
            return Err(ConfigError::Behavior(format!(
                "{direction}.selectPolicy must be Max, Min or Disabled, got {other:?}"
            )));
        }
    };
    let policies = match rules.policies.as_deref() {
        None | Some([]) => default.policies,
        Some(list) => list
            .iter()
            .map(|p| {
                let kind = match p.type_.as_str() {
                    "Pods" => PolicyKind::Pods,
                    "Percent" => PolicyKind::Percent,
                    other => {
                        return Err(ConfigError::Behavior(format!(
                            "{direction}.policies[].type must be Pods or Percent, got {other:?}"
                        )));
                    }
                };
                if p.value <= 0 {
                    return Err(ConfigError::Behavior(format!(
                        "{direction}.policies[].value must be greater than 0, got {}",
                        p.value
                    )));
                }
                if !(1..=1800).contains(&p.period_seconds) {
                    return Err(ConfigError::Behavior(format!(
                        "{direction}.policies[].periodSeconds must be between 1 and 1800, got {}",
                        p.period_seconds
                    )));
                }
                Ok(ScalingPolicy {
                    kind,
                    value: p.value as u32,
                    period: SignedDuration::from_secs(i64::from(p.period_seconds)),
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let tolerance = match &rules.tolerance {
        None => None,
        Some(q) => match crate::kube::rows::parse_quantity(&q.0) {
            Some(t) if t.is_finite() && t >= 0.0 => Some(Tolerance(t)),
            _ => {
                return Err(ConfigError::Behavior(format!(
                    "{direction}.tolerance must be a non-negative quantity such as 0.05 or 50m, got {:?}",
                    q.0
                )));
            }
        },
    };
    Ok(ScalingRules {
        stabilization_window,
        select_policy,
        policies,
        tolerance,
    })
}

/// Which normalisation the simulated HPA runs (docs/keda-semantics.md §4.4 / §4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HpaBehavior {
    /// KEDA's default: no `behavior` in the HPA.
    Legacy,
    Configured(Behavior),
}

impl HpaBehavior {
    pub fn kind(&self) -> HpaBehaviorKind {
        match self {
            Self::Legacy => HpaBehaviorKind::Legacy,
            Self::Configured(_) => HpaBehaviorKind::Configured,
        }
    }
}

/// Pod lifecycle delays (docs/keda-semantics.md §5.2: typical observations, so they are parameters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTimings {
    /// Pending → ContainerCreating.
    pub scheduling: SignedDuration,
    /// ContainerCreating → Running 0/1 (sandbox, image pull, container start).
    pub container_creating: SignedDuration,
    /// Running 0/1 → Running 1/1 (readiness probe).
    pub readiness: SignedDuration,
    /// How long the receiver takes to exit once its in-flight work is settled.
    pub shutdown: SignedDuration,
    /// How long the receiver keeps finishing in-flight messages after SIGTERM before it
    /// abandons the rest (the demo receiver's `SHUTDOWN_GRACE_MS`, 25 s).
    pub drain_limit: SignedDuration,
    /// `terminationGracePeriodSeconds`: SIGKILL after this (default 30 s).
    pub termination_grace_period: SignedDuration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub names: SimNames,
    /// Which KEDA scaler reads the queue: what it counts, its default target and metric name.
    pub scaler: Scaler,
    pub polling_interval: SignedDuration,
    pub cooldown_period: SignedDuration,
    pub initial_cooldown_period: SignedDuration,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub idle_replicas: Option<u32>,
    /// azure-servicebus `messageCount`: the HPA's AverageValue target.
    pub message_count: u64,
    /// azure-servicebus `activationMessageCount`: active iff count > this.
    pub activation_message_count: u64,
    pub hpa_behavior: HpaBehavior,
    /// `--horizontal-pod-autoscaler-sync-period` (15 s).
    pub hpa_sync_period: SignedDuration,
    /// The HPA's tolerance (0.1).
    pub hpa_tolerance: f64,
    /// The `HPAConfigurableTolerance` feature gate (on by default from Kubernetes 1.35): whether
    /// a behavior's `scaleUp/scaleDown.tolerance` replaces `hpa_tolerance` for that direction.
    pub hpa_configurable_tolerance: bool,
    /// The HPA's first sync comes one sync period after the HPA is created, as before
    /// Kubernetes 1.37 (`enqueueHPA` → `queue.AddRateLimited`); otherwise at once, as upstream
    /// now does (`queue.Add`, docs/keda-semantics.md §4.2).
    pub hpa_first_sync_after_period: bool,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (300 s), the legacy window.
    pub downscale_stabilization: SignedDuration,
    /// Time one receiver needs to process one message.
    pub processing_time: SignedDuration,
    /// Messages a Ready pod processes at once.
    pub concurrency: u32,
    /// Receivers take nothing (scale-out without draining).
    pub consumers_paused: bool,
    /// Whether locked (in-flight) messages count in ActiveMessageCount (docs/keda-semantics.md §2.2: unknown; default no).
    pub count_in_flight_as_active: bool,
    /// The queue's `LockDuration`: a message locked by a killed receiver comes back after this.
    pub lock_duration: SignedDuration,
    /// The queue's `MaxDeliveryCount`: a message whose delivery failed this many times (abandoned
    /// or lock expired) is dead-lettered.
    pub max_delivery_count: u32,
    pub pod: PodTimings,
    /// `spec.replicas` of the Deployment before the ScaledObject exists.
    pub initial_replicas: u32,
}

/// The most replicas the simulator models (each is a pod with its own timeline and a row on
/// screen): ten times the demo's `maxReplicaCount`, far above a talk's needs.
pub const MAX_REPLICAS: u32 = 1_000;
/// The most messages one Ready pod works on at once.
pub const MAX_CONCURRENCY: u32 = 1_000;
/// Service Bus's own ceiling for a queue's MaxDeliveryCount.
pub const MAX_DELIVERY_COUNT: u32 = 2_000;
/// The longest duration any setting may have: a day is far beyond any demo (KEDA's own
/// defaults are seconds to minutes) and keeps all virtual-time arithmetic far from overflow.
pub const MAX_DURATION: SignedDuration = SignedDuration::from_hours(24);

/// A configuration the simulator refuses, with what is wrong and what is allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("minReplicaCount ({min}) is greater than maxReplicaCount ({max})")]
    MinAboveMax { min: u32, max: u32 },
    #[error("maxReplicaCount must be at least 1")]
    MaxZero,
    #[error("idleReplicaCount ({idle}) must be less than minReplicaCount ({min})")]
    IdleNotBelowMin { idle: u32, min: u32 },
    #[error("messageCount must be at least 1 (it is the HPA's per-pod target)")]
    MessageCountZero,
    #[error("{field} must be at least {min}, got {value}")]
    TooShort {
        field: &'static str,
        min: String,
        value: String,
    },
    #[error("{field} must be at most {max}, got {value}")]
    TooLarge {
        field: &'static str,
        max: String,
        value: String,
    },
    #[error("concurrency must be at least 1")]
    ConcurrencyZero,
    #[error("MaxDeliveryCount must be at least 1")]
    MaxDeliveryCountZero,
    #[error("HPA tolerance must be between 0 and 1, got {0}")]
    Tolerance(f64),
    #[error("invalid HPA behavior: {0}")]
    Behavior(String),
    #[error("invalid ScaledObject: {0}")]
    ScaledObject(String),
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
}

impl SimConfig {
    /// KEDA's own defaults (docs/keda-semantics.md §1.1, §2.1, §4.1).
    pub fn keda_defaults() -> Self {
        Self {
            names: SimNames::default(),
            scaler: Scaler::ServiceBus,
            polling_interval: SignedDuration::from_secs(i64::from(defaults::POLLING_INTERVAL_S)),
            cooldown_period: SignedDuration::from_secs(i64::from(defaults::COOLDOWN_PERIOD_S)),
            initial_cooldown_period: SignedDuration::ZERO,
            min_replicas: defaults::MIN_REPLICA_COUNT as u32,
            max_replicas: defaults::MAX_REPLICA_COUNT as u32,
            idle_replicas: None,
            message_count: defaults::MESSAGE_COUNT as u64,
            activation_message_count: defaults::ACTIVATION_MESSAGE_COUNT as u64,
            hpa_behavior: HpaBehavior::Legacy,
            hpa_sync_period: SignedDuration::from_secs(15),
            hpa_tolerance: 0.1,
            hpa_configurable_tolerance: true,
            hpa_first_sync_after_period: false,
            downscale_stabilization: SignedDuration::from_secs(300),
            processing_time: SignedDuration::from_secs(2),
            concurrency: 1,
            consumers_paused: false,
            count_in_flight_as_active: false,
            lock_duration: SignedDuration::from_secs(60),
            max_delivery_count: 10,
            pod: PodTimings {
                scheduling: SignedDuration::from_secs(1),
                container_creating: SignedDuration::from_secs(3),
                readiness: SignedDuration::from_secs(2),
                shutdown: SignedDuration::from_secs(1),
                drain_limit: SignedDuration::from_secs(25),
                termination_grace_period: SignedDuration::from_secs(30),
            },
            initial_replicas: 0,
        }
    }

    /// The queue read by `scaler`'s rules, with its defaults: for RabbitMQ, `QueueLength` counts
    /// `messages` (ready and unacknowledged, docs/keda-semantics.md §10.1), so in-flight
    /// messages count, and the target `value` defaults to 20.
    pub fn with_scaler(self, scaler: Scaler) -> Self {
        match scaler {
            Scaler::ServiceBus => Self {
                scaler,
                message_count: defaults::MESSAGE_COUNT as u64,
                activation_message_count: defaults::ACTIVATION_MESSAGE_COUNT as u64,
                count_in_flight_as_active: false,
                ..self
            },
            Scaler::RabbitMq => Self {
                scaler,
                message_count: crate::rabbitmq::DEFAULT_QUEUE_LENGTH as u64,
                activation_message_count: 0,
                count_in_flight_as_active: true,
                ..self
            },
        }
    }

    /// Demo-friendly: a 5 s poll and a 30 s cooldown, so a talk sees a whole cycle in two minutes.
    pub fn demo() -> Self {
        Self {
            polling_interval: SignedDuration::from_secs(5),
            cooldown_period: SignedDuration::from_secs(30),
            max_replicas: 20,
            processing_time: SignedDuration::from_secs(1),
            pod: PodTimings {
                scheduling: SignedDuration::from_millis(500),
                container_creating: SignedDuration::from_secs(2),
                readiness: SignedDuration::from_secs(1),
                shutdown: SignedDuration::from_secs(1),
                drain_limit: SignedDuration::from_secs(25),
                termination_grace_period: SignedDuration::from_secs(30),
            },
            ..Self::keda_defaults()
        }
    }

    /// The numbers of a keda.sh/v1alpha1 ScaledObject with an azure-servicebus trigger; fields
    /// it leaves unset keep KEDA's defaults (not `base`'s), as in a cluster. Receiver and pod
    /// knobs come from `base`.
    pub fn from_scaled_object(so: &ScaledObject, base: Self) -> Result<Self, ConfigError> {
        let spec = &so.spec;
        let Some((scaler, trigger)) = spec
            .triggers
            .iter()
            .find_map(|t| Scaler::from_trigger_type(&t.type_).map(|s| (s, t)))
        else {
            return Err(ConfigError::ScaledObject(
                "no trigger of type azure-servicebus or rabbitmq (the scalers the simulator models)"
                    .into(),
            ));
        };
        if scaler == Scaler::RabbitMq {
            return Self::from_rabbitmq_scaled_object(so, trigger, base);
        }
        let queue = match (
            trigger.metadata.get("queueName"),
            trigger.metadata.get("topicName"),
        ) {
            (Some(q), _) if !q.is_empty() => q.clone(),
            (_, Some(t)) if !t.is_empty() => t.clone(),
            _ => {
                return Err(ConfigError::ScaledObject(
                    "the azure-servicebus trigger has no queueName".into(),
                ));
            }
        };
        let int_meta = |key: &str, default: i64| -> Result<u64, ConfigError> {
            match trigger.metadata.get(key) {
                None => Ok(default as u64),
                Some(v) => v.trim().parse::<u64>().map_err(|_| {
                    ConfigError::ScaledObject(format!(
                        "trigger metadata {key} must be a non-negative whole number, got {v:?}"
                    ))
                }),
            }
        };
        let non_negative =
            |field: &str, v: Option<i32>, default: i32| -> Result<u32, ConfigError> {
                let v = v.unwrap_or(default);
                u32::try_from(v).map_err(|_| {
                    ConfigError::ScaledObject(format!("{field} must not be negative, got {v}"))
                })
            };
        let seconds = |field: &str, v: Option<i32>, default: i32| {
            non_negative(field, v, default).map(|s| SignedDuration::from_secs(i64::from(s)))
        };
        let mut names = base.names.clone();
        if let Some(ns) = &so.metadata.namespace {
            names.namespace = ns.clone();
        }
        if let Some(name) = &so.metadata.name {
            names.scaled_object = name.clone();
        }
        if !spec.scale_target_ref.name.is_empty() {
            names.deployment = spec.scale_target_ref.name.clone();
        }
        names.queue = queue;
        let hpa_behavior = match spec
            .advanced
            .as_ref()
            .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
            .and_then(|h| h.behavior.as_ref())
        {
            Some(b) => HpaBehavior::Configured(Behavior::from_k8s(b)?),
            None => HpaBehavior::Legacy,
        };
        let config = Self {
            names,
            polling_interval: seconds(
                "pollingInterval",
                spec.polling_interval,
                defaults::POLLING_INTERVAL_S,
            )?,
            cooldown_period: seconds(
                "cooldownPeriod",
                spec.cooldown_period,
                defaults::COOLDOWN_PERIOD_S,
            )?,
            initial_cooldown_period: seconds(
                "initialCooldownPeriod",
                spec.initial_cooldown_period,
                0,
            )?,
            min_replicas: non_negative(
                "minReplicaCount",
                spec.min_replica_count,
                defaults::MIN_REPLICA_COUNT,
            )?,
            max_replicas: non_negative(
                "maxReplicaCount",
                spec.max_replica_count,
                defaults::MAX_REPLICA_COUNT,
            )?,
            idle_replicas: spec
                .idle_replica_count
                .map(|v| non_negative("idleReplicaCount", Some(v), 0))
                .transpose()?,
            message_count: int_meta("messageCount", defaults::MESSAGE_COUNT)?,
            activation_message_count: int_meta(
                "activationMessageCount",
                defaults::ACTIVATION_MESSAGE_COUNT,
            )?,
            hpa_behavior,
            ..base
        };
        config.validate()?;
        Ok(config)
    }

    /// [`from_scaled_object`](Self::from_scaled_object) for a `rabbitmq` trigger: its `value`
    /// and `activationValue` (KEDA's `Validate`, docs/keda-semantics.md §10.1), `QueueLength`
    /// only. In-flight (unacknowledged) messages count over HTTP unless `excludeUnacknowledged`;
    /// over AMQP (a passive declare) only ready ones do. `protocol: auto` is taken as AMQP: the
    /// host is in a Secret the file does not show, and the demo's is an `amqp://` URL.
    fn from_rabbitmq_scaled_object(
        so: &ScaledObject,
        trigger: &crate::crd::ScaleTrigger,
        base: Self,
    ) -> Result<Self, ConfigError> {
        let bad = |e: String| ConfigError::ScaledObject(format!("the rabbitmq trigger: {e}"));
        let t = crate::rabbitmq::Trigger::from_metadata(&trigger.metadata, "amqp")
            .map_err(|e| ConfigError::ScaledObject(e.to_string()))?;
        if t.mode != crate::rabbitmq::Mode::QueueLength {
            return Err(bad(format!(
                "mode {} is not modelled (the simulator models QueueLength)",
                t.mode.as_str()
            )));
        }
        let whole = |what: &str, v: f64| {
            if v.fract() == 0.0 && v >= 0.0 {
                Ok(v as u64)
            } else {
                Err(bad(format!("{what} must be a whole number here, got {v}")))
            }
        };
        let (value, activation) = (
            whole("value", t.value)?,
            whole("activationValue", t.activation_value)?,
        );
        // The spec's numbers as for any trigger: reuse the Service Bus path with the queue's
        // name and numbers put where it reads them.
        let mut as_servicebus = so.clone();
        as_servicebus.spec.triggers = vec![crate::crd::ScaleTrigger {
            type_: "azure-servicebus".into(),
            metadata: [
                ("queueName".to_string(), t.queue_name.clone()),
                ("messageCount".to_string(), value.to_string()),
                ("activationMessageCount".to_string(), activation.to_string()),
            ]
            .into_iter()
            .collect(),
            ..trigger.clone()
        }];
        let mut c = Self::from_scaled_object(&as_servicebus, base)?;
        c.scaler = Scaler::RabbitMq;
        c.count_in_flight_as_active =
            t.protocol == crate::rabbitmq::Protocol::Http && !t.exclude_unacknowledged;
        Ok(c)
    }

    /// Parses a YAML file's text (one or several documents) and uses its ScaledObject.
    pub fn from_scaled_object_yaml(yaml: &str, base: Self) -> Result<Self, ConfigError> {
        let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml)
            .map_err(|e| ConfigError::ScaledObject(format!("not valid YAML: {e}")))?;
        for value in documents {
            if value.get("kind").and_then(|k| k.as_str()) == Some("ScaledObject") {
                let so: ScaledObject = serde_json::from_value(value)
                    .map_err(|e| ConfigError::ScaledObject(e.to_string()))?;
                return Self::from_scaled_object(&so, base);
            }
        }
        Err(ConfigError::ScaledObject(
            "no document with kind: ScaledObject".into(),
        ))
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_replicas == 0 {
            return Err(ConfigError::MaxZero);
        }
        if self.min_replicas > self.max_replicas {
            return Err(ConfigError::MinAboveMax {
                min: self.min_replicas,
                max: self.max_replicas,
            });
        }
        if let Some(idle) = self.idle_replicas
            && idle >= self.min_replicas
        {
            return Err(ConfigError::IdleNotBelowMin {
                idle,
                min: self.min_replicas,
            });
        }
        if self.message_count == 0 {
            return Err(ConfigError::MessageCountZero);
        }
        if self.concurrency == 0 {
            return Err(ConfigError::ConcurrencyZero);
        }
        if self.max_delivery_count == 0 {
            return Err(ConfigError::MaxDeliveryCountZero);
        }
        if !(0.0..1.0).contains(&self.hpa_tolerance) {
            return Err(ConfigError::Tolerance(self.hpa_tolerance));
        }
        let counts = [
            ("maxReplicaCount", self.max_replicas, MAX_REPLICAS),
            ("initial replicas", self.initial_replicas, MAX_REPLICAS),
            ("concurrency", self.concurrency, MAX_CONCURRENCY),
            (
                "MaxDeliveryCount",
                self.max_delivery_count,
                MAX_DELIVERY_COUNT,
            ),
        ];
        for (field, value, max) in counts {
            if value > max {
                return Err(ConfigError::TooLarge {
                    field,
                    max: max.to_string(),
                    value: value.to_string(),
                });
            }
        }
        let durations = [
            ("pollingInterval", self.polling_interval),
            ("cooldownPeriod", self.cooldown_period),
            ("initialCooldownPeriod", self.initial_cooldown_period),
            ("HPA sync period", self.hpa_sync_period),
            ("downscale stabilization", self.downscale_stabilization),
            ("processing time", self.processing_time),
            ("lock duration", self.lock_duration),
            ("pod scheduling delay", self.pod.scheduling),
            ("container creating delay", self.pod.container_creating),
            ("readiness delay", self.pod.readiness),
            ("shutdown time", self.pod.shutdown),
            ("drain limit", self.pod.drain_limit),
            (
                "terminationGracePeriodSeconds",
                self.pod.termination_grace_period,
            ),
        ];
        for &(field, value) in &durations {
            if value > MAX_DURATION {
                return Err(ConfigError::TooLarge {
                    field,
                    max: crate::duration::format_duration(MAX_DURATION),
                    value: crate::duration::format_duration(value),
                });
            }
        }
        let one_second = SignedDuration::from_secs(1);
        let min_checks = [
            ("pollingInterval", self.polling_interval, one_second),
            ("HPA sync period", self.hpa_sync_period, one_second),
            (
                "processing time",
                self.processing_time,
                SignedDuration::from_millis(1),
            ),
            ("lock duration", self.lock_duration, one_second),
        ];
        for (field, value, min) in min_checks {
            if value < min {
                return Err(ConfigError::TooShort {
                    field,
                    min: crate::duration::format_duration(min),
                    value: crate::duration::format_duration(value),
                });
            }
        }
        // The rest may be zero, never negative.
        let has_minimum = |f: &str| min_checks.iter().any(|&(m, ..)| m == f);
        for (field, value) in durations {
            if value.is_negative() && !has_minimum(field) {
                return Err(ConfigError::TooShort {
                    field,
                    min: "0s".into(),
                    value: crate::duration::format_duration(value),
                });
            }
        }
        Ok(())
    }

    /// The behavior's per-direction tolerances that apply (`tolerancesForHpa`, docs/keda-semantics.md
    /// §4.3): none without a behavior or with the `HPAConfigurableTolerance` gate off.
    pub fn behavior_tolerance(&self) -> HpaTolerance {
        match &self.hpa_behavior {
            HpaBehavior::Configured(b) if self.hpa_configurable_tolerance => HpaTolerance {
                scale_up: b.scale_up.tolerance.map(|t| t.0),
                scale_down: b.scale_down.tolerance.map(|t| t.0),
            },
            _ => HpaTolerance::default(),
        }
    }

    /// The tolerance band the HPA checks the usage ratio against.
    pub fn hpa_tolerances(&self) -> Tolerances {
        let set = self.behavior_tolerance();
        Tolerances {
            scale_down: set.scale_down.unwrap_or(self.hpa_tolerance),
            scale_up: set.scale_up.unwrap_or(self.hpa_tolerance),
        }
    }

    /// The HPA's `minReplicas`: `minReplicaCount` if > 0, else 1 (docs/keda-semantics.md §1.1).
    pub fn hpa_min_replicas(&self) -> u32 {
        self.min_replicas.max(1)
    }
}
