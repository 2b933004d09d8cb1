//! yaml/ checked against the Kubernetes and KEDA types, and against each other, the scripts and
//! kedatui's defaults (`kedatui_core::model::names`). The seed's three unwritten rules (target name,
//! Secret key name, one namespace) and the rest of issue 6's rules, each as a test.
//!
//! Unknown fields: k8s-openapi and `kedatui_core::crd` ignore fields they do not know, so each
//! document is parsed, re-serialised, and every field of the original must come back unchanged.
//! The overlays' JSON patches are applied here (add/remove/replace) and their results checked the
//! same way, so the workload-identity variant is validated as KEDA would receive it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Container, Namespace, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kedatui_core::crd::{ScaledJob, ScaledObject, TriggerAuthentication};
use kedatui_core::model::names;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every document of yaml/ as written (generated yaml/.deploy and symlinks skipped).
#[derive(Debug)]
struct Doc {
    file: PathBuf,
    value: Value,
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            if path.file_name().unwrap() != ".deploy" {
                yaml_files(&path, out);
            }
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out.sort();
}

fn parse_docs(text: &str, file: &Path) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", file.display()))
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

fn is_kustomize_file(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomizeconfig.yaml")
    )
}

fn manifests() -> Vec<Doc> {
    let mut files = Vec::new();
    yaml_files(&repo().join("yaml"), &mut files);
    let mut docs = Vec::new();
    for file in files.into_iter().filter(|f| !is_kustomize_file(f)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for value in parse_docs(&text, &file) {
            docs.push(Doc {
                file: file.clone(),
                value,
            });
        }
    }
    assert!(
        docs.len() >= 9,
        "expected the whole demo, found {}",
        docs.len()
    );
    docs
}

/// `original` must be contained in `reserialised`: a field the type dropped is unknown to it.
fn find_dropped(original: &Value, reserialised: &Value, path: &str, dropped: &mut Vec<String>) {
    match (original, reserialised) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => find_dropped(v, w, &format!("{path}.{k}"), dropped),
                    None => dropped.push(format!("{path}.{k}")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                find_dropped(v, w, &format!("{path}[{i}]"), dropped);
            }
        }
        (a, b) if a == b => {}
        (a, b) => dropped.push(format!("{path}: {a} became {b}")),
    }
}

fn strict<T: DeserializeOwned + serde::Serialize>(value: &Value, what: &str) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what}: does not parse: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    let mut dropped = Vec::new();
    find_dropped(value, &back, "", &mut dropped);
    assert!(
        dropped.is_empty(),
        "{what}: unknown or altered fields {dropped:?}"
    );
    typed
}

/// The demo's objects, typed.
#[derive(Default)]
struct Demo {
    namespaces: Vec<Namespace>,
    secrets: Vec<Secret>,
    service_accounts: Vec<ServiceAccount>,
    deployments: Vec<Deployment>,
    roles: Vec<Role>,
    role_bindings: Vec<RoleBinding>,
    scaled_objects: Vec<ScaledObject>,
    scaled_jobs: Vec<ScaledJob>,
    trigger_auths: Vec<TriggerAuthentication>,
    /// The demo RabbitMQ broker (yaml/rabbitmq/; tests/cli/rabbitmq_yaml.rs checks it further).
    stateful_sets: Vec<k8s_openapi::api::apps::v1::StatefulSet>,
    services: Vec<k8s_openapi::api::core::v1::Service>,
}

fn kind_of(v: &Value) -> (String, String) {
    (
        v["apiVersion"].as_str().unwrap_or_default().to_owned(),
        v["kind"].as_str().unwrap_or_default().to_owned(),
    )
}

fn load(docs: &[Doc]) -> Demo {
    let mut demo = Demo::default();
    for doc in docs {
        let what = format!("{} ({:?})", doc.file.display(), kind_of(&doc.value));
        let v = &doc.value;
        match kind_of(v) {
            (a, k) if a == "v1" && k == "Namespace" => demo.namespaces.push(strict(v, &what)),
            (a, k) if a == "v1" && k == "Secret" => demo.secrets.push(strict(v, &what)),
            (a, k) if a == "v1" && k == "ServiceAccount" => {
                demo.service_accounts.push(strict(v, &what))
            }
            (a, k) if a == "apps/v1" && k == "Deployment" => {
                demo.deployments.push(strict(v, &what))
            }
            (a, k) if a == "apps/v1" && k == "StatefulSet" => {
                demo.stateful_sets.push(strict(v, &what))
            }
            (a, k) if a == "v1" && k == "Service" => demo.services.push(strict(v, &what)),
            (a, k) if a == "rbac.authorization.k8s.io/v1" && k == "Role" => {
                demo.roles.push(strict(v, &what))
            }
            (a, k) if a == "rbac.authorization.k8s.io/v1" && k == "RoleBinding" => {
                demo.role_bindings.push(strict(v, &what))
            }
            (a, k) if a == "keda.sh/v1alpha1" && k == "ScaledObject" => {
                demo.scaled_objects.push(strict(v, &what))
            }
            (a, k) if a == "keda.sh/v1alpha1" && k == "ScaledJob" => {
                demo.scaled_jobs.push(strict(v, &what))
            }
            (a, k) if a == "keda.sh/v1alpha1" && k == "TriggerAuthentication" => {
                demo.trigger_auths.push(strict(v, &what))
            }
            other => panic!("{what}: no type to check {other:?} against"),
        }
    }
    demo
}

fn one<T>(items: &[T], what: &str) -> T
where
    T: Clone,
{
    assert_eq!(items.len(), 1, "expected exactly one {what}");
    items[0].clone()
}

fn containers_of_deployment(d: &Deployment) -> Vec<Container> {
    d.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
        .clone()
}

fn containers_of_job(j: &ScaledJob) -> Vec<Container> {
    j.spec
        .job_target_ref
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers
        .clone()
}

fn env_value(c: &Container, name: &str) -> Option<String> {
    c.env
        .as_ref()?
        .iter()
        .find(|e| e.name == name)?
        .value
        .clone()
}

// --- Kustomize files --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Kustomization {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    configurations: Vec<String>,
    #[serde(default)]
    images: Vec<KustomizeImage>,
    #[serde(default)]
    patches: Vec<KustomizePatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct KustomizeImage {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KustomizePatch {
    target: Option<PatchTarget>,
    patch: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PatchTarget {
    group: Option<String>,
    version: Option<String>,
    kind: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPatchOp {
    op: String,
    path: String,
    value: Option<Value>,
}

fn kustomization(dir: &str) -> Kustomization {
    kustomization_at(&repo().join(dir))
}

fn kustomization_at(dir: &Path) -> Kustomization {
    let path = dir.join("kustomization.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let k: Kustomization =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        (k.api_version.as_str(), k.kind.as_str()),
        ("kustomize.config.k8s.io/v1beta1", "Kustomization")
    );
    k
}

/// Applies add/remove/replace (RFC 6902, as kustomize does) to a document.
fn apply_json_patch(doc: &mut Value, ops: &[JsonPatchOp], what: &str) {
    for op in ops {
        let (parent_path, last) = op.path.rsplit_once('/').unwrap();
        let parent = doc
            .pointer_mut(parent_path)
            .unwrap_or_else(|| panic!("{what}: {} has no parent in the target", op.path));
        // RFC 6901: `~1` is `/` in a key (a label such as azure.workload.identity/use).
        let last = &last.replace("~1", "/").replace("~0", "~");
        if let (Some(list), Ok(index), "replace") =
            (parent.as_array_mut(), last.parse::<usize>(), op.op.as_str())
        {
            assert!(index < list.len(), "{what}: replace of missing {}", op.path);
            list[index] = op.value.clone().unwrap();
            continue;
        }
        let map = parent
            .as_object_mut()
            .unwrap_or_else(|| panic!("{what}: {} is not inside an object", op.path));
        match op.op.as_str() {
            "add" => {
                map.insert(last.to_owned(), op.value.clone().unwrap());
            }
            "replace" => {
                assert!(
                    map.contains_key(last),
                    "{what}: replace of missing {}",
                    op.path
                );
                map.insert(last.to_owned(), op.value.clone().unwrap());
            }
            "remove" => {
                assert!(
                    map.remove(last).is_some(),
                    "{what}: remove of missing {}",
                    op.path
                );
            }
            other => panic!("{what}: op {other} not supported here"),
        }
    }
}

/// What `kubectl kustomize dir` gives, as far as yaml/ uses kustomize: resources (files and
/// kustomization directories, recursively) and patches (`$patch: delete` or RFC 6902 ops on the
/// target's kind and name). `images:` and `namespace:` change nothing the tests here look at.
fn render(dir: &Path) -> Vec<Doc> {
    let k = kustomization_at(dir);
    let mut docs = Vec::new();
    for r in &k.resources {
        let path = dir.join(r);
        if path.is_dir() {
            docs.extend(render(&path));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            for value in parse_docs(&text, &path) {
                docs.push(Doc {
                    file: path.clone(),
                    value,
                });
            }
        }
    }
    for p in &k.patches {
        let target = p.target.as_ref().unwrap();
        let what = format!("{} patch on {}", dir.display(), target.name);
        let hits = |d: &Doc| {
            kind_of(&d.value).1 == target.kind
                && d.value["metadata"]["name"].as_str() == Some(target.name.as_str())
        };
        assert!(docs.iter().any(hits), "{what}: no such target");
        if p.patch.starts_with("$patch: delete") {
            docs.retain(|d| !hits(d));
        } else {
            let ops: Vec<JsonPatchOp> = serde_saphyr::from_str(&p.patch).unwrap();
            for doc in docs.iter_mut().filter(|d| hits(d)) {
                apply_json_patch(&mut doc.value, &ops, &what);
            }
        }
    }
    docs
}

// --- The tests --------------------------------------------------------------------------------

#[test]
fn every_document_parses_into_its_type_with_no_unknown_fields() {
    let demo = load(&manifests());
    assert_eq!(demo.namespaces.len(), 1);
    assert_eq!(demo.secrets.len(), 1);
    // kedatui-viewer, and the receiver's in the workload-identity overlay.
    assert_eq!(demo.service_accounts.len(), 2);
    assert_eq!(demo.deployments.len(), 1);
    assert_eq!(demo.roles.len(), 1);
    assert_eq!(demo.role_bindings.len(), 1);
    assert_eq!(demo.scaled_objects.len(), 1);
    assert_eq!(demo.scaled_jobs.len(), 1);
    assert_eq!(demo.trigger_auths.len(), 1);
    assert_eq!((demo.stateful_sets.len(), demo.services.len()), (1, 1));
}

#[test]
fn the_unknown_field_check_can_fail() {
    // A typo KEDA would silently ignore: `pollingIntervall`.
    let v: Value = serde_saphyr::from_str(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: y}\n  pollingIntervall: 5\n  triggers: []\n",
    )
    .unwrap();
    let result = std::panic::catch_unwind(|| strict::<ScaledObject>(&v, "typo"));
    assert!(result.is_err());
    // A number where KEDA wants a string.
    let v: Value = serde_saphyr::from_str(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: y}\n  triggers: [{type: azure-servicebus, metadata: {messageCount: 5}}]\n",
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| strict::<ScaledObject>(&v, "int")).is_err());
}

#[test]
fn scale_target_ref_names_the_deployment() {
    let demo = load(&manifests());
    let so = one(&demo.scaled_objects, "ScaledObject");
    let deployment = one(&demo.deployments, "Deployment");
    let target = &so.spec.scale_target_ref;
    assert_eq!(target.name, deployment.metadata.name.clone().unwrap());
    assert_eq!(target.name, names::DEPLOYMENT);
    assert_eq!(target.kind.as_deref().unwrap_or("Deployment"), "Deployment");
    assert_eq!(
        target.api_version.as_deref().unwrap_or("apps/v1"),
        "apps/v1"
    );
    assert_eq!(so.metadata.name.as_deref(), Some(names::SCALED_OBJECT));
    let containers = containers_of_deployment(&deployment);
    assert_eq!(containers[0].name, names::CONTAINER);
}

#[test]
fn trigger_authentication_and_secret_key_names_match() {
    let demo = load(&manifests());
    let secret = one(&demo.secrets, "Secret");
    let secret_name = secret.metadata.name.clone().unwrap();
    assert_eq!(secret_name, names::SECRET);
    let keys: Vec<String> = secret.string_data.clone().unwrap().into_keys().collect();
    assert_eq!(keys, [names::SECRET_KEY_KEDA, names::SECRET_KEY_RECEIVER]);

    let ta = one(&demo.trigger_auths, "TriggerAuthentication");
    assert_eq!(
        ta.metadata.name.as_deref(),
        Some(names::TRIGGER_AUTHENTICATION)
    );
    let refs = &ta.spec.secret_target_ref;
    assert_eq!(refs.len(), 1);
    // azure-servicebus reads exactly the parameter `connection` (docs/keda-semantics.md §7.1).
    assert_eq!(refs[0].parameter, "connection");
    assert_eq!(refs[0].name, secret_name);
    assert_eq!(refs[0].key, names::SECRET_KEY_KEDA);

    let mut triggers: Vec<_> = demo.scaled_objects[0].spec.triggers.clone();
    triggers.extend(demo.scaled_jobs[0].spec.triggers.clone());
    for t in &triggers {
        assert_eq!(
            t.authentication_ref.as_ref().map(|r| r.name.as_str()),
            Some(names::TRIGGER_AUTHENTICATION)
        );
    }

    // The receivers read the Listen key, from the same Secret.
    let mut containers = containers_of_deployment(&demo.deployments[0]);
    containers.extend(containers_of_job(&demo.scaled_jobs[0]));
    for c in &containers {
        let env = c.env.as_ref().unwrap();
        let conn = env
            .iter()
            .find(|e| e.name == "SERVICEBUS_CONNECTION_STRING")
            .unwrap();
        let key_ref = conn
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref())
            .expect("the connection string comes from the Secret");
        assert_eq!(key_ref.name, secret_name);
        assert_eq!(key_ref.key, names::SECRET_KEY_RECEIVER);
    }
}

#[test]
fn one_namespace_throughout() {
    let docs = manifests();
    let demo = load(&docs);
    assert_eq!(
        demo.namespaces[0].metadata.name.as_deref(),
        Some(names::NAMESPACE)
    );
    for doc in &docs {
        if kind_of(&doc.value).1 == "Namespace" {
            continue;
        }
        assert_eq!(
            doc.value["metadata"]["namespace"].as_str(),
            Some(names::NAMESPACE),
            "{} {:?}",
            doc.file.display(),
            kind_of(&doc.value)
        );
    }
    for subject in demo.role_bindings[0].subjects.as_ref().unwrap() {
        assert_eq!(subject.namespace.as_deref(), Some(names::NAMESPACE));
    }
    assert_eq!(
        kustomization("yaml/base").namespace.as_deref(),
        Some(names::NAMESPACE)
    );
    assert_eq!(lib_sh_default("K8S_NAMESPACE"), names::NAMESPACE);
}

/// The defaults in scripts/lib.sh (`: "${NAME:=value}"`), with `${OTHER}` expanded.
fn lib_sh_defaults() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join("scripts/lib.sh")).unwrap();
    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(": \"${") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(":=") else {
            continue;
        };
        let mut value = value.strip_suffix("}\"").unwrap().to_owned();
        for (k, v) in &defaults {
            value = value.replace(&format!("${{{k}}}"), v.as_str());
        }
        defaults.insert(name.to_owned(), value);
    }
    defaults
}

fn lib_sh_default(name: &str) -> String {
    lib_sh_defaults()
        .remove(name)
        .unwrap_or_else(|| panic!("scripts/lib.sh has no default for {name}"))
}

#[test]
fn queue_name_is_the_same_in_yaml_scripts_and_kedatui() {
    let demo = load(&manifests());
    let mut triggers = demo.scaled_objects[0].spec.triggers.clone();
    triggers.extend(demo.scaled_jobs[0].spec.triggers.clone());
    for t in &triggers {
        assert_eq!(t.type_, "azure-servicebus");
        assert_eq!(
            t.metadata.get("queueName").map(String::as_str),
            Some(names::QUEUE)
        );
    }
    let mut containers = containers_of_deployment(&demo.deployments[0]);
    containers.extend(containers_of_job(&demo.scaled_jobs[0]));
    for c in &containers {
        assert_eq!(env_value(c, "QUEUE_NAME").as_deref(), Some(names::QUEUE));
    }
    assert_eq!(lib_sh_default("QUEUE_NAME"), names::QUEUE);
}

#[test]
fn no_connection_string_is_inline() {
    // yaml/ names no endpoint and holds no key at all.
    let mut files = Vec::new();
    yaml_files(&repo().join("yaml"), &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap().to_ascii_lowercase();
        for needle in [
            "endpoint=sb://",
            "sharedaccesskey=",
            "sharedaccesssignature sr=",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains {needle}",
                file.display()
            );
        }
    }
    // A script may assemble a connection string for a loopback broker, but its key must come
    // from a variable filled at run time, never be written out.
    for entry in std::fs::read_dir(repo().join("scripts")).unwrap() {
        let file = entry.unwrap().path();
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("SharedAccessKey=") {
            let value = &text[i + "SharedAccessKey=".len()..];
            assert!(
                value.starts_with('$') || value.starts_with('<'),
                "{} writes out a key after byte {i} (not shown)",
                file.display(),
            );
        }
        assert!(
            !text.contains("SharedAccessSignature sr="),
            "{}",
            file.display()
        );
    }
    let demo = load(&manifests());
    let mut containers = containers_of_deployment(&demo.deployments[0]);
    containers.extend(containers_of_job(&demo.scaled_jobs[0]));
    for c in &containers {
        for e in c.env.as_ref().unwrap() {
            if e.name.contains("CONNECTION") {
                assert!(e.value.is_none(), "{} is set inline", e.name);
            }
        }
    }
    // The placeholder Secret is never applied (kustomize does not list it).
    let base = kustomization("yaml/base");
    assert!(!base.resources.iter().any(|r| r.contains("secret")));
}

#[test]
fn the_scaled_object_has_the_demo_timings() {
    let demo = load(&manifests());
    let so = &demo.scaled_objects[0].spec;
    assert_eq!(so.polling_interval, Some(5));
    assert_eq!(so.cooldown_period, Some(30));
    assert_eq!(so.min_replica_count, Some(0));
    assert_eq!(so.max_replica_count, Some(20));
    let t = &so.triggers[0];
    assert_eq!(
        t.metadata.get("messageCount").map(String::as_str),
        Some("5")
    );
    assert_eq!(
        t.metadata.get("activationMessageCount").map(String::as_str),
        Some("0")
    );
}

#[test]
fn the_receiver_runs_locked_down_and_can_shut_down_in_time() {
    let demo = load(&manifests());
    let d = &demo.deployments[0];
    let spec = d.spec.as_ref().unwrap();
    assert_eq!(spec.replicas, None, "KEDA and the HPA own replicas");
    let pod = spec.template.spec.as_ref().unwrap();
    let job_pod = demo.scaled_jobs[0]
        .spec
        .job_target_ref
        .as_ref()
        .unwrap()
        .template
        .spec
        .clone()
        .unwrap();
    for pod in [pod, &job_pod] {
        let psc = pod.security_context.as_ref().unwrap();
        assert_eq!(psc.run_as_non_root, Some(true));
        // Numeric, so the kubelet can check runAsNonRoot against an image without /etc/passwd.
        assert!(psc.run_as_user.is_some_and(|uid| uid > 0), "{psc:?}");
        let grace_s = pod.termination_grace_period_seconds.unwrap();
        for c in &pod.containers {
            let sc = c.security_context.as_ref().unwrap();
            assert_eq!(sc.read_only_root_filesystem, Some(true));
            assert_eq!(sc.allow_privilege_escalation, Some(false));
            let dropped = sc.capabilities.as_ref().and_then(|c| c.drop.clone());
            assert_eq!(dropped, Some(vec!["ALL".to_owned()]));
            let r = c.resources.as_ref().unwrap();
            assert!(r.requests.is_some() && r.limits.is_some());
            let grace_ms: i64 = env_value(c, "SHUTDOWN_GRACE_MS").unwrap().parse().unwrap();
            assert!(
                grace_ms < grace_s * 1000,
                "the receiver must finish before the kubelet's SIGKILL"
            );
        }
    }
    // deploy.sh patches the ScaledJob's env by index.
    let env = containers_of_job(&demo.scaled_jobs[0])[0]
        .env
        .clone()
        .unwrap();
    assert_eq!(env[0].name, "SERVICEBUS_CONNECTION_STRING");
    assert_eq!(env[1].name, "QUEUE_NAME");
    let args = containers_of_job(&demo.scaled_jobs[0])[0]
        .args
        .clone()
        .unwrap();
    assert_eq!(args, ["--once", "--exit-when-done"]);
    assert_eq!(
        demo.scaled_jobs[0].metadata.name.as_deref(),
        Some(names::SCALED_JOB)
    );
}

/// The probes ask for what the receiver serves (receiver/src/health.rs) on the port its
/// HEALTH_ADDR binds, in the Deployment and in the ScaledJob.
#[test]
fn the_receivers_probes_match_its_health_listener() {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let demo = load(&manifests());
    let served = std::fs::read_to_string(repo().join("receiver/src/health.rs")).unwrap();
    let containers = [
        containers_of_deployment(&demo.deployments[0]),
        containers_of_job(&demo.scaled_jobs[0]),
    ];
    for c in containers.iter().map(|cs| &cs[0]) {
        let addr: std::net::SocketAddr = env_value(c, "HEALTH_ADDR")
            .expect("HEALTH_ADDR is set")
            .parse()
            .unwrap();
        // The kubelet probes the pod's IP, not loopback.
        assert!(addr.ip().is_unspecified(), "{addr}");
        let ports = c.ports.clone().unwrap_or_default();
        let health = ports
            .iter()
            .find(|p| p.name.as_deref() == Some("health"))
            .expect("a port named health");
        assert_eq!(health.container_port, i32::from(addr.port()));
        for (probe, path) in [
            (c.readiness_probe.as_ref(), "/readyz"),
            (c.liveness_probe.as_ref(), "/livez"),
        ] {
            let probe = probe.unwrap_or_else(|| panic!("a probe for {path}"));
            let get = probe.http_get.as_ref().expect("an httpGet probe");
            assert_eq!(get.path.as_deref(), Some(path));
            assert_eq!(get.port, IntOrString::String("health".into()));
            assert!(
                served.contains(&format!("b\"{path}\"")),
                "receiver/src/health.rs does not serve {path}"
            );
        }
        // Liveness must not fail faster than the receiver's own staleness limit (30 s).
        let live = c.liveness_probe.as_ref().unwrap();
        let window = live.period_seconds.unwrap_or(10) * live.failure_threshold.unwrap_or(3);
        assert!(window >= 30, "liveness window {window}s");
    }
}

#[test]
fn kedatui_gets_read_only_access_and_no_secrets() {
    let demo = load(&manifests());
    let role = &demo.roles[0];
    let mut granted = Vec::new();
    for rule in role.rules.as_ref().unwrap() {
        assert_eq!(rule.verbs, ["get", "list", "watch"]);
        for r in rule.resources.as_ref().unwrap() {
            assert_ne!(r, "secrets");
            granted.push(r.clone());
        }
    }
    for needed in [
        "pods",
        "deployments",
        "horizontalpodautoscalers",
        "scaledobjects",
        "events",
    ] {
        assert!(granted.iter().any(|g| g == needed), "missing {needed}");
    }
    let binding = &demo.role_bindings[0];
    assert_eq!(binding.role_ref.name, role.metadata.name.clone().unwrap());
    assert_eq!(binding.role_ref.kind, "Role");
}

#[test]
fn kustomizations_list_every_manifest_and_nothing_missing() {
    assert_eq!(
        kustomization("yaml").resources,
        ["base"],
        "kubectl apply -k yaml/"
    );
    for dir in [
        "yaml",
        "yaml/base",
        "yaml/overlays/scaledjob",
        "yaml/overlays/workload-identity",
        "yaml/overlays/workload-identity/serviceaccount",
        "yaml/overlays/scaledjob-workload-identity",
    ] {
        let k = kustomization(dir);
        for r in k.resources.iter().chain(&k.configurations) {
            let path = repo().join(dir).join(r);
            assert!(path.exists(), "{dir}: {r} does not exist");
        }
        for image in &k.images {
            assert_eq!(
                image.name, "kedasbreceiver",
                "{dir}: the Deployment's image name"
            );
        }
    }
    let base = kustomization("yaml/base");
    for entry in std::fs::read_dir(repo().join("yaml/base")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "kustomization.yaml" || name == "secret.yaml" {
            continue;
        }
        assert!(
            base.resources.contains(&name),
            "yaml/base/{name} is not in the kustomization"
        );
    }
    // The paths the brief (and the simulator) use are links into the base.
    for name in ["scaledobject.yaml", "rbac.yaml"] {
        let top = std::fs::read_to_string(repo().join("yaml").join(name)).unwrap();
        let base = std::fs::read_to_string(repo().join("yaml/base").join(name)).unwrap();
        assert_eq!(top, base, "yaml/{name}");
    }
}

#[test]
fn the_workload_identity_overlay_produces_valid_keda_objects() {
    let docs = manifests();
    let base_of = |kind: &str| {
        docs.iter()
            .find(|d| kind_of(&d.value).1 == kind && d.file.starts_with(repo().join("yaml/base")))
            .unwrap()
            .value
            .clone()
    };
    let k = kustomization("yaml/overlays/workload-identity");
    assert_eq!(k.resources, ["../../base", "serviceaccount"]);
    let mut ta = base_of("TriggerAuthentication");
    let mut so = base_of("ScaledObject");
    let mut deployment = base_of("Deployment");
    for p in &k.patches {
        let target = p.target.as_ref().unwrap();
        let ops: Vec<JsonPatchOp> = serde_saphyr::from_str(&p.patch).unwrap();
        let doc = match target.kind.as_str() {
            "TriggerAuthentication" => &mut ta,
            "ScaledObject" => &mut so,
            "Deployment" => &mut deployment,
            other => panic!("unexpected patch target {other}"),
        };
        assert_eq!(doc["metadata"]["name"].as_str(), Some(target.name.as_str()));
        apply_json_patch(doc, &ops, "workload-identity");
    }
    let ta: TriggerAuthentication = strict(&ta, "patched TriggerAuthentication");
    assert!(
        ta.spec.secret_target_ref.is_empty(),
        "no key for KEDA any more"
    );
    assert_eq!(ta.spec.pod_identity.unwrap().provider, "azure-workload");
    let so: ScaledObject = strict(&so, "patched ScaledObject");
    // docs/keda-semantics.md §2.1: `namespace` is required with azure-workload.
    assert_eq!(
        so.spec.triggers[0].metadata.get("namespace"),
        Some(&lib_sh_default("SERVICEBUS_NAMESPACE"))
    );
    // The receiver is keyless too: no Secret reference anywhere, the namespace instead, and the
    // federated ServiceAccount with the webhook's label.
    let text = serde_json::to_string(&deployment).unwrap();
    assert!(!text.contains("secretKeyRef"), "{text}");
    let pod = &deployment["spec"]["template"];
    assert_eq!(
        pod["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    assert_eq!(pod["spec"]["serviceAccountName"], "kedasbreceiver");
    assert_eq!(
        pod["spec"]["containers"][0]["env"][0],
        serde_json::json!({
            "name": "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
            "value": format!("{}.servicebus.windows.net", lib_sh_default("SERVICEBUS_NAMESPACE")),
        })
    );
    let sa = docs
        .iter()
        .find(|d| {
            d.file
                .ends_with("overlays/workload-identity/serviceaccount/serviceaccount.yaml")
        })
        .unwrap();
    assert_eq!(sa.value["metadata"]["name"], "kedasbreceiver");
    assert!(sa.value["metadata"]["annotations"]["azure.workload.identity/client-id"].is_string());
    let mut overlay_files = Vec::new();
    yaml_files(
        &repo().join("yaml/overlays/workload-identity"),
        &mut overlay_files,
    );
    assert!(
        overlay_files
            .iter()
            .all(|f| !std::fs::read_to_string(f).unwrap().contains("kind: Secret")),
        "the keyless overlay has no Secret at all"
    );
    // Rendered whole (base included), it matches the patches applied one by one above.
    let rendered = render(&repo().join("yaml/overlays/workload-identity"));
    let rendered_deployment = rendered
        .iter()
        .find(|d| kind_of(&d.value).1 == "Deployment")
        .unwrap();
    assert_eq!(rendered_deployment.value, deployment);
}

/// The keyless ScaledJob, rendered from its overlay (which reuses overlays/scaledjob and the
/// workload-identity ServiceAccount): no key anywhere, the ScaledJob's pods federated.
#[test]
fn the_scaledjob_workload_identity_overlay_is_keyless() {
    let dir = repo().join("yaml/overlays/scaledjob-workload-identity");
    let k = kustomization_at(&dir);
    assert_eq!(
        k.resources,
        ["../scaledjob", "../workload-identity/serviceaccount"]
    );
    let docs = render(&dir);
    let demo = load(&docs);
    assert!(demo.secrets.is_empty(), "no Secret");
    assert!(demo.deployments.is_empty() && demo.scaled_objects.is_empty());
    let text = serde_json::to_string(&docs.iter().map(|d| &d.value).collect::<Vec<_>>()).unwrap();
    for needle in ["secretTargetRef", "secretKeyRef", "CONNECTION"] {
        assert!(!text.contains(needle), "{needle} in {text}");
    }
    let ta = one(&demo.trigger_auths, "TriggerAuthentication");
    assert!(ta.spec.secret_target_ref.is_empty());
    assert_eq!(ta.spec.pod_identity.unwrap().provider, "azure-workload");
    let job = one(&demo.scaled_jobs, "ScaledJob");
    assert_eq!(job.metadata.name.as_deref(), Some(names::SCALED_JOB));
    assert_eq!(
        job.spec.triggers[0].metadata.get("namespace"),
        Some(&lib_sh_default("SERVICEBUS_NAMESPACE"))
    );
    let sa_names: Vec<_> = demo
        .service_accounts
        .iter()
        .filter_map(|sa| sa.metadata.name.clone())
        .collect();
    assert_eq!(sa_names, ["kedatui-viewer", "kedasbreceiver"]);
    let template = &job.spec.job_target_ref.as_ref().unwrap().template;
    let labels = template.metadata.as_ref().unwrap().labels.clone().unwrap();
    assert_eq!(
        labels
            .get("azure.workload.identity/use")
            .map(String::as_str),
        Some("true")
    );
    let pod = template.spec.as_ref().unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("kedasbreceiver"));
    // scripts/deploy.sh patches env/0 and env/1 by index.
    let c = &containers_of_job(&job)[0];
    let env = c.env.clone().unwrap();
    assert_eq!(env[0].name, "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE");
    assert_eq!(
        env[0].value.as_deref(),
        Some(
            format!(
                "{}.servicebus.windows.net",
                lib_sh_default("SERVICEBUS_NAMESPACE")
            )
            .as_str()
        )
    );
    assert_eq!(env[1].name, "QUEUE_NAME");
    assert_eq!(c.args.clone().unwrap(), ["--once", "--exit-when-done"]);
}

#[test]
fn the_scaledjob_overlay_replaces_the_deployment_and_scaled_object() {
    let k = kustomization("yaml/overlays/scaledjob");
    assert_eq!(k.resources, ["../../base", "scaledjob.yaml"]);
    let deleted: Vec<(String, String)> = k
        .patches
        .iter()
        .map(|p| {
            assert!(p.patch.starts_with("$patch: delete"), "{}", p.patch);
            let t = p.target.as_ref().unwrap();
            (t.kind.clone(), t.name.clone())
        })
        .collect();
    assert_eq!(
        deleted,
        [
            ("Deployment".to_owned(), names::DEPLOYMENT.to_owned()),
            ("ScaledObject".to_owned(), names::SCALED_OBJECT.to_owned())
        ]
    );
}

#[test]
fn the_simulator_loads_yaml_scaledobject_yaml_and_agrees_with_it() {
    use kedatui_core::sim::{HpaBehavior, SimConfig};
    let text = std::fs::read_to_string(repo().join("yaml/scaledobject.yaml")).unwrap();
    let c = SimConfig::from_scaled_object_yaml(&text, SimConfig::demo())
        .unwrap_or_else(|e| panic!("the simulator cannot load yaml/scaledobject.yaml: {e}"));
    assert_eq!(c.polling_interval, jiff::SignedDuration::from_secs(5));
    assert_eq!(c.cooldown_period, jiff::SignedDuration::from_secs(30));
    assert_eq!((c.min_replicas, c.max_replicas), (0, 20));
    assert_eq!((c.message_count, c.activation_message_count), (5, 0));
    assert!(matches!(c.hpa_behavior, HpaBehavior::Legacy));
    assert_eq!(c.names.queue, names::QUEUE);
    assert_eq!(c.names.namespace, names::NAMESPACE);
    assert_eq!(c.names.deployment, names::DEPLOYMENT);
    assert_eq!(c.names.scaled_object, names::SCALED_OBJECT);
    // The simulator's built-in demo settings are this file's, and the receiver's pace is the
    // Deployment's PROCESSING_MS / CONCURRENCY.
    let demo = SimConfig::demo();
    assert_eq!(
        (
            demo.polling_interval,
            demo.cooldown_period,
            demo.max_replicas
        ),
        (c.polling_interval, c.cooldown_period, c.max_replicas)
    );
    let deployment = load(&manifests()).deployments.remove(0);
    let receiver = &containers_of_deployment(&deployment)[0];
    let processing_ms: i64 = env_value(receiver, "PROCESSING_MS")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(demo.processing_time.as_millis() as i64, processing_ms);
    let concurrency: u32 = env_value(receiver, "CONCURRENCY").unwrap().parse().unwrap();
    assert_eq!(demo.concurrency, concurrency);
    let grace = deployment
        .spec
        .unwrap()
        .template
        .spec
        .unwrap()
        .termination_grace_period_seconds;
    assert_eq!(Some(demo.pod.termination_grace_period.as_secs()), grace);
}
