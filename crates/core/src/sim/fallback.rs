//! What the simulator carries on from when the Wi-Fi fallback hands the demo over to it: the
//! App records it, the main loop seeds the simulator with it (`source::live::start_fallback`).

use crate::model::ScaledObjectView;
use crate::sim::SimConfig;
use crate::sim::config::SimNames;

/// What the simulator carries on from.
#[derive(Clone, Debug, PartialEq)]
pub struct FallbackSeed {
    /// Active + in flight, as the live gauge showed.
    pub active_messages: u64,
    /// The Deployment's `spec.replicas` (or the pods seen, when the Deployment never arrived).
    pub replicas: u32,
    /// The live ScaledObject, when the cluster was reached.
    pub scaled_object: Option<ScaledObjectView>,
    pub names: SimNames,
    /// The trickle keeps going in the simulator if it was on.
    pub trickle: Option<f64>,
}

impl FallbackSeed {
    /// `base` (the flags / `--scaledobject-file`) with the live ScaledObject's numbers and the
    /// live names. If the live numbers are ones the simulator refuses, `base`'s numbers stay and
    /// the reason comes back to show.
    pub fn sim_config(&self, base: &SimConfig) -> (SimConfig, Option<String>) {
        let mut config = base.clone();
        config.names = self.names.clone();
        let Some(so) = &self.scaled_object else {
            return (config, None);
        };
        let mut live = config.clone();
        live.polling_interval = so.polling_interval;
        live.cooldown_period = so.cooldown_period;
        live.min_replicas = so.min_replicas;
        live.max_replicas = so.max_replicas;
        live.idle_replicas = so.idle_replicas;
        live.message_count = so.message_count;
        live.activation_message_count = so.activation_message_count;
        match live.validate() {
            Ok(()) => (live, None),
            Err(e) => (
                config,
                Some(format!(
                    "the live ScaledObject's settings do not simulate ({e}); using the flags'"
                )),
            ),
        }
    }
}
