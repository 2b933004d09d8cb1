//! From the ScaledObject to everything the console watches: its `scaleTargetRef` → the Deployment
//! → its selector → the pods; the HPA is `status.hpaName` or `keda-hpa-<name>` (docs/keda-semantics.md §1.3).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::{Api, Client};

use super::errors::{Access, classify};
use crate::crd::ScaledObject;
use crate::event::{ErrorKind, SourceError};

/// The objects of one demo, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub namespace: String,
    pub scaled_object: String,
    pub deployment: String,
    /// Label selector of the pods, in the API's query syntax (`app=kedasbreceiver`).
    pub pod_selector: String,
    pub hpa: String,
}

/// The HPA KEDA manages for this ScaledObject: what its status says, else the configured name,
/// else KEDA's default `keda-hpa-<name>` (`controllers/keda/hpa.go` `getHPAName`).
pub fn hpa_name(so: &ScaledObject) -> String {
    if let Some(name) = so
        .status
        .as_ref()
        .and_then(|s| s.hpa_name.clone())
        .filter(|n| !n.is_empty())
    {
        return name;
    }
    let configured = so
        .spec
        .advanced
        .as_ref()
        .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
        .and_then(|h| h.name.clone())
        .filter(|n| !n.is_empty());
    configured.unwrap_or_else(|| {
        format!(
            "keda-hpa-{}",
            so.metadata.name.as_deref().unwrap_or_default()
        )
    })
}

/// A LabelSelector in query syntax: `matchLabels` as `k=v`, `matchExpressions` as
/// `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. An empty selector would match every pod in the
/// namespace, so it is refused.
pub fn selector_string(selector: &LabelSelector) -> Result<String, String> {
    let mut terms: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.clone().unwrap_or_default().join(",");
        terms.push(match expr.operator.as_str() {
            "In" => format!("{} in ({values})", expr.key),
            "NotIn" => format!("{} notin ({values})", expr.key),
            "Exists" => expr.key.clone(),
            "DoesNotExist" => format!("!{}", expr.key),
            other => {
                return Err(format!(
                    "unsupported selector operator {other:?} on key {:?}",
                    expr.key
                ));
            }
        });
    }
    if terms.is_empty() {
        return Err("the Deployment's selector is empty; pass --selector".into());
    }
    Ok(terms.join(","))
}

/// The Deployment a ScaledObject targets, or why kedatui cannot follow it.
pub fn deployment_name(so: &ScaledObject) -> Result<String, SourceError> {
    let target = &so.spec.scale_target_ref;
    let kind = target.kind.as_deref().unwrap_or("Deployment");
    if kind != "Deployment" {
        return Err(SourceError {
            kind: ErrorKind::Other,
            message: format!(
                "ScaledObject {} scales a {kind}; kedatui follows Deployments only",
                so.metadata.name.as_deref().unwrap_or_default()
            ),
        });
    }
    if target.name.is_empty() {
        return Err(SourceError {
            kind: ErrorKind::Other,
            message: "the ScaledObject has no scaleTargetRef.name".into(),
        });
    }
    Ok(target.name.clone())
}

/// Read the ScaledObject and its Deployment and work out the names to watch.
pub async fn discover(
    client: &Client,
    namespace: &str,
    scaled_object: &str,
    selector_override: Option<&str>,
) -> Result<Target, SourceError> {
    let so = Api::<ScaledObject>::namespaced(client.clone(), namespace)
        .get(scaled_object)
        .await
        .map_err(|e| {
            classify(
                &e,
                Access::scaled_objects("get", namespace, Some(scaled_object)),
            )
        })?;
    let deployment = deployment_name(&so)?;
    let pod_selector = match selector_override {
        Some(s) => s.to_string(),
        None => {
            let d = Api::<Deployment>::namespaced(client.clone(), namespace)
                .get(&deployment)
                .await
                .map_err(|e| {
                    classify(&e, Access::deployments("get", namespace, Some(&deployment)))
                })?;
            let selector = d.spec.map(|s| s.selector).unwrap_or_default();
            selector_string(&selector).map_err(|message| SourceError {
                kind: ErrorKind::Other,
                message,
            })?
        }
    };
    Ok(Target {
        namespace: namespace.to_string(),
        scaled_object: scaled_object.to_string(),
        hpa: hpa_name(&so),
        deployment,
        pod_selector,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn so(spec: serde_json::Value, status: serde_json::Value) -> ScaledObject {
        serde_json::from_value(
            json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": "kedasbreceiver-scaler"}, "spec": spec, "status": status}),
        )
        .unwrap()
    }

    #[test]
    fn hpa_name_prefers_status_then_config_then_keda_default() {
        // docs/keda-semantics.md §1.1 (`advanced.horizontalPodAutoscalerConfig.name`), §1.3 (`status.hpaName`).
        let cases = [
            (json!({}), json!({}), "keda-hpa-kedasbreceiver-scaler"),
            (
                json!({"advanced": {"horizontalPodAutoscalerConfig": {"name": "custom"}}}),
                json!({}),
                "custom",
            ),
            (
                json!({"advanced": {"horizontalPodAutoscalerConfig": {"name": "custom"}}}),
                json!({"hpaName": "from-status"}),
                "from-status",
            ),
        ];
        for (spec, status, want) in cases {
            assert_eq!(hpa_name(&so(spec, status)), want);
        }
    }

    #[test]
    fn selectors_render_in_query_syntax() {
        let cases = [
            (
                json!({"matchLabels": {"app": "kedasbreceiver"}}),
                Ok("app=kedasbreceiver"),
            ),
            (
                json!({"matchLabels": {"app": "r"}, "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["a", "b"]},
                    {"key": "x", "operator": "NotIn", "values": ["c"]},
                    {"key": "y", "operator": "Exists"},
                    {"key": "z", "operator": "DoesNotExist"}]}),
                Ok("app=r,tier in (a,b),x notin (c),y,!z"),
            ),
            (json!({}), Err(())),
        ];
        for (selector, want) in cases {
            let selector: LabelSelector = serde_json::from_value(selector).unwrap();
            assert_eq!(
                selector_string(&selector).map_err(|_| ()),
                want.map(str::to_string)
            );
        }
    }

    #[test]
    fn only_deployments_are_followed() {
        let d = so(
            json!({"scaleTargetRef": {"name": "kedasbreceiver"}}),
            json!({}),
        );
        assert_eq!(deployment_name(&d).unwrap(), "kedasbreceiver");
        let sts = so(
            json!({"scaleTargetRef": {"name": "db", "kind": "StatefulSet"}}),
            json!({}),
        );
        assert!(
            deployment_name(&sts)
                .unwrap_err()
                .message
                .contains("StatefulSet")
        );
    }
}
