//! KEDA's custom resources (keda.sh/v1alpha1), as far as kedatui reads them.
//!
//! `schema = "disabled"` and `#[serde(default)]` everywhere: a KEDA upgrade that adds fields, or
//! a cluster that omits some, must never break the watchers. Field names and defaults follow
//! `apis/keda/v1alpha1/*_types.go` at v2.20.2 (docs/keda-semantics.md §1.1, §3, §7).

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior;
use k8s_openapi::api::batch::v1::JobSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// KEDA's defaults when a field is unset (docs/keda-semantics.md §1.1).
pub mod defaults {
    pub const POLLING_INTERVAL_S: i32 = 30;
    pub const COOLDOWN_PERIOD_S: i32 = 300;
    pub const MIN_REPLICA_COUNT: i32 = 0;
    pub const MAX_REPLICA_COUNT: i32 = 100;
    /// azure-servicebus `messageCount` (docs/keda-semantics.md §2.1).
    pub const MESSAGE_COUNT: i64 = 5;
    pub const ACTIVATION_MESSAGE_COUNT: i64 = 0;
}

#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "ScaledObject",
    namespaced,
    status = "ScaledObjectStatus",
    schema = "disabled"
)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    pub scale_target_ref: ScaleTargetRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_cooldown_period: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedConfig>,
    pub triggers: Vec<ScaleTrigger>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaleTargetRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Fallback {
    pub failure_threshold: i32,
    pub replicas: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AdvancedConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_to_original_replica_count: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_modifiers: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Copied verbatim into the HPA; `None` means the legacy normalisation (docs/keda-semantics.md §4.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaleTrigger {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Trigger metadata: every value is a string in KEDA's API (`messageCount: "5"`).
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_cached_metrics: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthenticationRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaledObjectStatus {
    pub scale_target_kind: Option<String>,
    pub scale_target_gvkr: Option<serde_json::Value>,
    pub original_replica_count: Option<i32>,
    pub last_active_time: Option<Time>,
    pub external_metric_names: Vec<String>,
    pub hpa_name: Option<String>,
    pub triggers_types: Option<String>,
    pub authentications_types: Option<String>,
    pub paused_replica_count: Option<i32>,
    pub health: Option<serde_json::Value>,
    pub conditions: Vec<KedaCondition>,
}

/// KEDA conditions have no lastTransitionTime (docs/keda-semantics.md §1.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KedaCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "ScaledJob",
    namespaced,
    status = "ScaledJobStatus",
    schema = "disabled"
)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaledJobSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_target_ref: Option<JobSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_strategy: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<serde_json::Value>,
    pub triggers: Vec<ScaleTrigger>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaledJobStatus {
    pub last_active_time: Option<Time>,
    pub conditions: Vec<KedaCondition>,
}

#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "TriggerAuthentication",
    namespaced,
    schema = "disabled"
)]
#[serde(default, rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secret_target_ref: Vec<SecretTargetRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecretTargetRef {
    /// For azure-servicebus this must be `connection`.
    pub parameter: String,
    pub name: String,
    pub key: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodIdentity {
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_authority_host: Option<String>,
}
