//! Hand-built model values for tests (the `fixtures` feature): one definition shared by the
//! console's unit tests, its integration tests and the render benchmark.

use jiff::SignedDuration;

use crate::model::{HpaBehaviorKind, ScaledObjectView, names};

/// The demo's ScaledObject with the settings of yaml/scaledobject.yaml, before KEDA has reported
/// conditions or polls: callers fill those in (and any setting they vary).
pub fn demo_scaled_object() -> ScaledObjectView {
    ScaledObjectView {
        scaler: Some(crate::queue::Scaler::ServiceBus),
        namespace: names::NAMESPACE.into(),
        name: names::SCALED_OBJECT.into(),
        target_kind: "apps/v1.Deployment".into(),
        target_name: names::DEPLOYMENT.into(),
        queue_name: names::QUEUE.into(),
        polling_interval: SignedDuration::from_secs(5),
        cooldown_period: SignedDuration::from_secs(30),
        min_replicas: 0,
        max_replicas: 20,
        idle_replicas: None,
        message_count: 5,
        activation_message_count: 0,
        hpa_behavior: HpaBehaviorKind::Legacy,
        conditions: vec![],
        last_active: None,
        last_poll: None,
        next_poll: None,
        last_poll_metric: None,
    }
}
