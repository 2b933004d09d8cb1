//! Before the lab writes anything: make sure the API server is one nobody else drives (no nodes,
//! no controller manager, no KEDA) and serves what the lab cannot do without (discovery), then
//! install KEDA's CRDs and the demo's objects if missing.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, Node};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use kedatui_core::crd::ScaledObject;
use kedatui_core::sim::{HpaBehavior, SimConfig};

/// `Ok(None)` when the API server does not serve the resource at all (the loopback one serves no
/// nodes or leases): as good as none.
fn absent_ok<T>(result: Result<T, kube::Error>) -> Result<Option<T>, kube::Error> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

/// A kube error as one sentence, its cause first: what the API server answered (never kube's
/// `Debug` dump of the `Status`), or why it could not be reached, then what the lab was doing.
pub fn sentence(doing: &str, e: &kube::Error) -> String {
    let first_line =
        |s: &str| -> String { s.lines().next().unwrap_or("").chars().take(300).collect() };
    match e {
        kube::Error::Api(s) => {
            let reason = match &s.reason {
                r if r.is_empty() => String::new(),
                r => format!(" {r}"),
            };
            match first_line(&s.message) {
                m if m.is_empty() => {
                    format!("the API server refused to {doing} ({}{reason})", s.code)
                }
                m => format!(
                    "the API server refused to {doing} ({}{reason}: {m})",
                    s.code
                ),
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            // The innermost cause is the useful part ("Connection refused (os error 111)").
            let mut source: &dyn std::error::Error = e;
            while let Some(next) = source.source() {
                source = next;
            }
            format!(
                "cannot reach the API server to {doing}: {}",
                first_line(&source.to_string())
            )
        }
        other => format!("cannot {doing}: {}", first_line(&other.to_string())),
    }
}

/// What the lab writes that an API server may leave out; the rest it cannot do without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// Without Namespaces (a generic API server), namespaced objects need no Namespace object.
    pub namespaces: bool,
    /// Without Events, the console's events panel stays empty.
    pub events: bool,
}

/// What the lab says when the API server serves no Events (stdout and the log).
pub const EVENTS_NOT_SERVED: &str = "events: not served by this API server; the lab writes none";

/// The plurals a group version serves, from discovery; `None` when it serves none (404).
async fn discover(client: &Client, group_version: &str) -> Result<Option<Vec<String>>, String> {
    let list = if group_version.contains('/') {
        client.list_api_group_resources(group_version).await
    } else {
        client.list_core_api_resources(group_version).await
    };
    let list = absent_ok(list)
        .map_err(|e| sentence(&format!("read its API discovery ({group_version})"), &e))?;
    Ok(list.map(|l| {
        l.resources
            .into_iter()
            .map(|r| r.name)
            .filter(|n| !n.contains('/'))
            .collect()
    }))
}

/// Before the first write: what the API server serves. Refuses one that lacks what the lab
/// cannot do without, so a refusal leaves nothing behind.
pub async fn preflight(client: &Client) -> Result<Served, String> {
    let core = discover(client, "v1").await?.unwrap_or_default();
    let mut missing = Vec::new();
    if !core.iter().any(|r| r == "pods") {
        missing.push("pods (v1)".to_string());
    }
    for (group_version, plural) in [
        ("apps/v1", "deployments"),
        ("autoscaling/v2", "horizontalpodautoscalers"),
        ("apiextensions.k8s.io/v1", "customresourcedefinitions"),
    ] {
        let served = discover(client, group_version).await?.unwrap_or_default();
        if !served.iter().any(|r| r == plural) {
            missing.push(format!("{plural} ({group_version})"));
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "this API server does not serve {}: the lab needs pods, deployments, horizontalpodautoscalers and customresourcedefinitions, and wrote nothing",
            missing.join(", ")
        ));
    }
    Ok(Served {
        namespaces: core.iter().any(|r| r == "namespaces"),
        events: core.iter().any(|r| r == "events"),
    })
}

/// Refuse an API server that runs a real cluster: the lab's pods and statuses would fight real
/// controllers, and its receivers would not be the cluster's.
pub async fn refuse_real_cluster(client: &Client) -> Result<(), String> {
    let nodes: Api<Node> = Api::all(client.clone());
    if let Some(list) = absent_ok(nodes.list(&ListParams::default().limit(1)).await)
        .map_err(|e| sentence("list nodes", &e))?
        && !list.items.is_empty()
    {
        return Err("this API server has nodes: it is a real cluster, and the lab refuses to write pods and statuses where a kubelet and controllers run. Point it at an API server without nodes or controllers (the built-in loopback one, or envtest's kube-apiserver + etcd)".into());
    }
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-system");
    if absent_ok(leases.get_opt("kube-controller-manager").await)
        .map_err(|e| sentence("read lease kube-system/kube-controller-manager", &e))?
        .flatten()
        .is_some()
    {
        return Err("this API server runs a controller manager (lease kube-system/kube-controller-manager): the lab refuses to play the Deployment and ReplicaSet controllers next to the real ones".into());
    }
    let deployments: Api<Deployment> = Api::all(client.clone());
    if let Some(list) = absent_ok(deployments.list(&ListParams::default()).await)
        .map_err(|e| sentence("list deployments", &e))?
        && let Some(keda) = list
            .items
            .iter()
            .find(|d| d.metadata.name.as_deref() == Some("keda-operator"))
    {
        return Err(format!(
            "this API server runs KEDA (Deployment {}/keda-operator): the lab refuses to play KEDA next to the real one",
            keda.metadata.namespace.as_deref().unwrap_or("")
        ));
    }
    Ok(())
}

/// A real API server serves a new CRD's resource only once the CRD is Established, a moment
/// after it was created; the ScaledObject's create would 404 before that.
async fn wait_for_scaled_objects(client: &Client) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let served = discover(client, "keda.sh/v1alpha1").await?;
        if served.is_some_and(|s| s.iter().any(|r| r == "scaledobjects")) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err("the API server still does not serve scaledobjects (keda.sh/v1alpha1) 30s after the lab created its CustomResourceDefinition".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn crd(plural: &str, kind: &str, scale: bool) -> Value {
    let mut subresources = json!({"status": {}});
    if scale {
        subresources["scale"] = json!({"specReplicasPath": ".spec.replicaCount",
                                       "statusReplicasPath": ".status.replicaCount"});
    }
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": format!("{plural}.keda.sh"), "labels": {"app.kubernetes.io/part-of": "kedatui-lab"}},
           "spec": {"group": "keda.sh", "scope": "Namespaced",
                    "names": {"plural": plural, "kind": kind, "singular": kind.to_lowercase(), "listKind": format!("{kind}List")},
                    "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                                  "subresources": subresources,
                                  "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})
}

fn typed<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("the lab built an invalid object: {e}"))
}

/// Create `object` if `name` is missing; otherwise merge its `spec` into the existing one (the
/// lab owns the demo's objects, so they follow its flags).
async fn ensure<K>(api: &Api<K>, name: &str, object: Value) -> Result<(), String>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
{
    let what = |e: kube::Error| sentence(&format!("write {} {name}", K::kind(&())), &e);
    match api.get_opt(name).await.map_err(what)? {
        None => {
            api.create(&PostParams::default(), &typed::<K>(object)?)
                .await
                .map_err(what)?;
        }
        Some(_) if object.get("spec").is_some() => {
            let patch = json!({"spec": object["spec"]});
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(what)?;
        }
        Some(_) => {}
    }
    Ok(())
}

/// The receiver's environment as the Deployment declares it (values the lab passes itself).
pub fn deployment_env(config: &SimConfig) -> Value {
    json!([
        super::broker::deployment_secret_env(config.scaler),
        {"name": "QUEUE_NAME", "value": config.names.queue},
        {"name": "PROCESSING_MS", "value": config.processing_time.as_millis().to_string()},
        {"name": "CONCURRENCY", "value": config.concurrency.to_string()},
        {"name": "SHUTDOWN_GRACE_MS", "value": config.pod.drain_limit.as_millis().to_string()},
    ])
}

/// KEDA's CRDs, the Namespace (if served), the Deployment (0 replicas), the ScaledObject and the
/// HPA KEDA would have created for it, from the lab's settings.
pub async fn install(
    client: &Client,
    config: &SimConfig,
    image: &str,
    served: Served,
) -> Result<(), String> {
    let n = &config.names;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (plural, kind, scale) in [
        ("scaledobjects", "ScaledObject", true),
        ("scaledjobs", "ScaledJob", false),
        ("triggerauthentications", "TriggerAuthentication", false),
        (
            "clustertriggerauthentications",
            "ClusterTriggerAuthentication",
            false,
        ),
    ] {
        let name = format!("{plural}.keda.sh");
        let what = |e: kube::Error| sentence(&format!("write CustomResourceDefinition {name}"), &e);
        if crds.get_opt(&name).await.map_err(what)?.is_none() {
            crds.create(&PostParams::default(), &typed(crd(plural, kind, scale))?)
                .await
                .map_err(what)?;
        }
    }
    wait_for_scaled_objects(client).await?;
    if served.namespaces {
        let namespaces: Api<Namespace> = Api::all(client.clone());
        ensure(
            &namespaces,
            &n.namespace,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n.namespace}}),
        )
        .await?;
    }
    let labels = json!({"app.kubernetes.io/name": n.deployment});
    let grace = config.pod.termination_grace_period.as_secs();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &n.namespace);
    ensure(&deployments, &n.deployment, json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": n.deployment, "namespace": n.namespace, "generation": 1,
                     "labels": {"app.kubernetes.io/part-of": "kedatui-lab"}},
        "spec": {"replicas": config.initial_replicas,
                 "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"terminationGracePeriodSeconds": grace,
                                       "containers": [{"name": n.container, "image": image,
                                                       "terminationMessagePolicy": "FallbackToLogsOnError",
                                                       "env": deployment_env(config)}]}}},
    }))
    .await?;
    let mut so = json!({
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
        "metadata": {"name": n.scaled_object, "namespace": n.namespace,
                     "labels": {"scaledobject.keda.sh/name": n.scaled_object}},
        "spec": {"scaleTargetRef": {"name": n.deployment},
                 "pollingInterval": config.polling_interval.as_secs(),
                 "cooldownPeriod": config.cooldown_period.as_secs(),
                 "minReplicaCount": config.min_replicas, "maxReplicaCount": config.max_replicas,
                 "triggers": [super::broker::trigger(config)]},
    });
    if let Some(idle) = config.idle_replicas {
        so["spec"]["idleReplicaCount"] = json!(idle);
    }
    // The behavior the lab plays, where KEDA puts it: the ScaledObject's
    // advanced.horizontalPodAutoscalerConfig, copied into the HPA's spec. Legacy writes null, so
    // a merge over an earlier run's objects removes a behavior left there.
    let behavior = match &config.hpa_behavior {
        HpaBehavior::Configured(b) => serde_json::to_value(b.to_k8s())
            .map_err(|e| format!("the lab built an invalid behavior: {e}"))?,
        HpaBehavior::Legacy => Value::Null,
    };
    so["spec"]["advanced"] = json!({"horizontalPodAutoscalerConfig": {"behavior": behavior}});
    let scaled_objects: Api<ScaledObject> = Api::namespaced(client.clone(), &n.namespace);
    ensure(&scaled_objects, &n.scaled_object, so).await?;
    let mut hpa = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": n.hpa(), "namespace": n.namespace,
                     "labels": {"app.kubernetes.io/managed-by": "keda-operator", "app.kubernetes.io/part-of": n.scaled_object,
                                "scaledobject.keda.sh/name": n.scaled_object}},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": n.deployment},
                 "minReplicas": config.hpa_min_replicas(), "maxReplicas": config.max_replicas,
                 "metrics": [{"type": "External", "external": {
                     "metric": {"name": n.metric(config.scaler), "selector": {"matchLabels": {"scaledobject.keda.sh/name": n.scaled_object}}},
                     "target": {"type": "AverageValue", "averageValue": config.message_count.to_string()}}}]},
    });
    hpa["spec"]["behavior"] = behavior;
    let hpas: Api<HorizontalPodAutoscaler> = Api::namespaced(client.clone(), &n.namespace);
    ensure(&hpas, &n.hpa(), hpa).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_a_sentence_not_a_debug_dump() {
        let mut status =
            kube::core::Status::failure("namespaces is forbidden: User \"u\"\nmore", "Forbidden");
        status.code = 403;
        let said = sentence(
            "write Namespace keda-demo",
            &kube::Error::Api(status.boxed()),
        );
        assert_eq!(
            said,
            "the API server refused to write Namespace keda-demo (403 Forbidden: namespaces is forbidden: User \"u\")"
        );
        let mut bare = kube::core::Status::failure("", "");
        bare.code = 404;
        assert_eq!(
            sentence("list nodes", &kube::Error::Api(bare.boxed())),
            "the API server refused to list nodes (404)"
        );
    }
}
