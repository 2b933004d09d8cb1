//! The simulator's flags: shared by the console, `kedatui simulate` and `kedatui lab`.

use std::path::PathBuf;

use jiff::SignedDuration;
use kedatui_core::duration::parse_duration;
use kedatui_core::sim::config::{Behavior, ConfigError, HpaBehavior, SimConfig};

/// When the HPA controller first syncs a new HPA (docs/keda-semantics.md §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HpaFirstSyncArg {
    /// At once, as Kubernetes does from 1.37 (`enqueueHPA` adds the HPA to the queue directly).
    Now,
    /// One sync period (15 s) after the HPA is created, as in Kubernetes 1.36 and earlier.
    Resync,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HpaBehaviorArg {
    /// No `behavior` (KEDA's default): 300 s stabilisation, scale-up cap max(2×current, 4).
    Legacy,
    /// A `behavior` with the Kubernetes default policies (4 pods or 100% per 15 s).
    Default,
}

/// Every simulator knob. Each is optional: when unset, the caller's base config wins.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SimArgs {
    /// A ScaledObject YAML to take the numbers from (e.g. yaml/scaledobject.yaml); flags override it.
    /// Not a flag here: `simulate` spells it `--scaledobject FILE`, the console `--scaledobject-file FILE`
    /// (its `--scaledobject NAME` names the live cluster's object).
    #[arg(skip)]
    pub scaledobject: Option<PathBuf>,
    /// KEDA's pollingInterval.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub polling_interval: Option<SignedDuration>,
    /// KEDA's cooldownPeriod (only N→0).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub cooldown: Option<SignedDuration>,
    /// minReplicaCount.
    #[arg(long, value_name = "N")]
    pub min: Option<u32>,
    /// maxReplicaCount.
    #[arg(long, value_name = "N")]
    pub max: Option<u32>,
    /// messageCount: the HPA's target of messages per pod.
    #[arg(long, value_name = "N")]
    pub message_count: Option<u64>,
    /// activationMessageCount: active when the queue holds more than this.
    #[arg(long, value_name = "N")]
    pub activation: Option<u64>,
    /// The HPA's normalisation: legacy (no behavior, KEDA's default) or default (k8s default behavior).
    #[arg(long, value_name = "KIND", value_enum)]
    pub hpa_behavior: Option<HpaBehaviorArg>,
    /// Time a receiver needs per message.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub processing: Option<SignedDuration>,
    /// Messages a Ready pod processes at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<u32>,
    /// Receivers take nothing: shows scale-out without draining.
    #[arg(long)]
    pub no_consume: bool,
    /// Count locked (in-flight) messages as active, as some observations suggest.
    #[arg(long)]
    pub count_in_flight: bool,
    /// The cluster runs with the HPAConfigurableTolerance gate off (the default before
    /// Kubernetes 1.35): a behavior's scaleUp/scaleDown.tolerance is ignored.
    #[arg(long)]
    pub no_hpa_configurable_tolerance: bool,
    /// When the HPA first syncs: now (Kubernetes 1.37+) or resync (one sync period later, 1.36 and earlier).
    #[arg(long, value_name = "WHEN", value_enum)]
    pub hpa_first_sync: Option<HpaFirstSyncArg>,
    /// Seed for pod names.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Pending → ContainerCreating.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub scheduling_delay: Option<SignedDuration>,
    /// ContainerCreating → Running 0/1.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub container_creating: Option<SignedDuration>,
    /// Running 0/1 → Running 1/1.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub readiness: Option<SignedDuration>,
    /// Receiver exit time once its work is settled after SIGTERM.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub shutdown: Option<SignedDuration>,
    /// How long a terminating receiver finishes in-flight work before abandoning the rest.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub drain_limit: Option<SignedDuration>,
    /// The queue's MaxDeliveryCount: failed deliveries before a message is dead-lettered.
    #[arg(long, value_name = "N")]
    pub max_delivery_count: Option<u32>,
    /// Deployment replicas before the ScaledObject exists.
    #[arg(long, value_name = "N")]
    pub initial_replicas: Option<u32>,
}

/// The largest ScaledObject file read: one object is a few kilobytes.
pub const MAX_SCALED_OBJECT_FILE_BYTES: u64 = 1 << 20;

impl SimArgs {
    /// `base`, then the ScaledObject file if given, then each flag that is set; validated.
    pub fn apply(&self, base: SimConfig) -> Result<SimConfig, ConfigError> {
        let mut c = match &self.scaledobject {
            Some(path) => {
                let text = kedatui_core::files::read_text(
                    path,
                    MAX_SCALED_OBJECT_FILE_BYTES,
                    "a ScaledObject YAML",
                )
                .map_err(|e| ConfigError::Read {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                SimConfig::from_scaled_object_yaml(&text, base)?
            }
            None => base,
        };
        if let Some(v) = self.polling_interval {
            c.polling_interval = v;
        }
        if let Some(v) = self.cooldown {
            c.cooldown_period = v;
        }
        if let Some(v) = self.min {
            c.min_replicas = v;
        }
        if let Some(v) = self.max {
            c.max_replicas = v;
        }
        if let Some(v) = self.message_count {
            c.message_count = v;
        }
        if let Some(v) = self.activation {
            c.activation_message_count = v;
        }
        if let Some(kind) = self.hpa_behavior {
            c.hpa_behavior = match kind {
                HpaBehaviorArg::Legacy => HpaBehavior::Legacy,
                HpaBehaviorArg::Default => HpaBehavior::Configured(Behavior::kubernetes_default()),
            };
        }
        if let Some(v) = self.processing {
            c.processing_time = v;
        }
        if let Some(v) = self.concurrency {
            c.concurrency = v;
        }
        if self.no_consume {
            c.consumers_paused = true;
        }
        if self.count_in_flight {
            c.count_in_flight_as_active = true;
        }
        if self.no_hpa_configurable_tolerance {
            c.hpa_configurable_tolerance = false;
        }
        if let Some(when) = self.hpa_first_sync {
            c.hpa_first_sync_after_period = when == HpaFirstSyncArg::Resync;
        }
        if let Some(v) = self.scheduling_delay {
            c.pod.scheduling = v;
        }
        if let Some(v) = self.container_creating {
            c.pod.container_creating = v;
        }
        if let Some(v) = self.readiness {
            c.pod.readiness = v;
        }
        if let Some(v) = self.shutdown {
            c.pod.shutdown = v;
        }
        if let Some(v) = self.drain_limit {
            c.pod.drain_limit = v;
        }
        if let Some(v) = self.max_delivery_count {
            c.max_delivery_count = v;
        }
        if let Some(v) = self.initial_replicas {
            c.initial_replicas = v;
        }
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_base_and_are_validated() {
        let args = SimArgs {
            min: Some(2),
            max: Some(8),
            polling_interval: Some(SignedDuration::from_secs(5)),
            hpa_behavior: Some(HpaBehaviorArg::Default),
            no_consume: true,
            ..SimArgs::default()
        };
        let c = args.apply(SimConfig::keda_defaults()).unwrap();
        assert_eq!((c.min_replicas, c.max_replicas), (2, 8));
        assert_eq!(c.polling_interval, SignedDuration::from_secs(5));
        assert!(c.consumers_paused);
        assert_eq!(
            c.hpa_behavior,
            HpaBehavior::Configured(Behavior::kubernetes_default())
        );
        // Unset flags keep the base.
        assert_eq!(c.cooldown_period, SignedDuration::from_secs(300));
        let bad = SimArgs {
            min: Some(9),
            max: Some(3),
            ..SimArgs::default()
        };
        assert_eq!(
            bad.apply(SimConfig::keda_defaults()),
            Err(ConfigError::MinAboveMax { min: 9, max: 3 })
        );
        let missing = SimArgs {
            scaledobject: Some("/nonexistent/so.yaml".into()),
            ..SimArgs::default()
        };
        assert!(matches!(
            missing.apply(SimConfig::keda_defaults()),
            Err(ConfigError::Read { .. })
        ));
    }
}
