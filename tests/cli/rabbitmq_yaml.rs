//! The RabbitMQ side of yaml/: the overlay yaml/overlays/rabbitmq/ (the base patched to KEDA's
//! rabbitmq scaler) and the demo broker yaml/rabbitmq/, checked without kubectl or kustomize: the
//! files are parsed with serde-saphyr, the overlay's JSON patches applied to the base as kustomize
//! would, and the results read into the Kubernetes and KEDA types. Names shared with
//! scripts/deploy.sh are checked against its text and its dry run (tests/cli/scripts_dryrun.rs).

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Container, EnvVar, Service};
use kedatui_core::crd::{ScaledObject, TriggerAuthentication};
use kedatui_core::model::names;
use kedatui_core::rabbitmq::{BrokerUrl, Mode, Protocol, Trigger};
use serde_json::{Value, json};

const OVERLAY: &str = "yaml/overlays/rabbitmq";
const BROKER: &str = "yaml/rabbitmq";
/// The Secret deploy.sh makes for KEDA and the receiver, and its one key.
const SECRET: &str = "rabbitmq-connection";
const SECRET_KEY: &str = "host";
/// The Secret deploy.sh makes for the demo broker's user.
const BROKER_SECRET: &str = "rabbitmq-broker";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_yaml(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

fn kustomization(dir: &Path) -> Value {
    let docs = read_yaml(&dir.join("kustomization.yaml"));
    assert_eq!(docs.len(), 1, "{}", dir.display());
    let k = docs.into_iter().next().unwrap();
    assert_eq!(k["apiVersion"], "kustomize.config.k8s.io/v1beta1");
    assert_eq!(k["kind"], "Kustomization");
    k
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Applies RFC 6902 add / replace / remove, the ops the overlays use.
fn apply_ops(doc: &mut Value, ops: &Value, what: &str) {
    for op in ops.as_array().unwrap() {
        let path = op["path"].as_str().unwrap();
        let (parent, last) = path.rsplit_once('/').unwrap();
        let last = last.replace("~1", "/").replace("~0", "~");
        let parent = doc
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{what}: {path} has no parent in the target"));
        let value = op.get("value").cloned();
        match (op["op"].as_str().unwrap(), parent) {
            ("replace", Value::Array(list)) => {
                let i: usize = last.parse().unwrap();
                assert!(i < list.len(), "{what}: replace of missing {path}");
                list[i] = value.unwrap();
            }
            ("replace", Value::Object(map)) => {
                assert!(map.contains_key(&last), "{what}: replace of missing {path}");
                map.insert(last, value.unwrap());
            }
            ("add", Value::Object(map)) => {
                map.insert(last, value.unwrap());
            }
            ("remove", Value::Object(map)) => {
                assert!(
                    map.remove(&last).is_some(),
                    "{what}: remove of missing {path}"
                );
            }
            (other, _) => panic!("{what}: op {other} on {path} not supported here"),
        }
    }
}

/// `kubectl kustomize DIR` as far as these kustomizations go: resources (files and directories,
/// recursively), then JSON patches on their target's kind and name.
fn render(dir: &Path) -> Vec<Value> {
    let k = kustomization(dir);
    let mut docs = Vec::new();
    for r in strings(&k["resources"]) {
        let path = dir.join(&r);
        assert!(
            path.exists(),
            "{}: resource {r} does not exist",
            dir.display()
        );
        if path.is_dir() {
            docs.extend(render(&path));
        } else {
            docs.extend(read_yaml(&path));
        }
    }
    for p in k["patches"].as_array().into_iter().flatten() {
        let target = &p["target"];
        let (kind, name) = (target["kind"].as_str().unwrap(), target["name"].as_str());
        let what = format!("{} patch on {kind}/{name:?}", dir.display());
        let patch = p["patch"].as_str().unwrap();
        let ops: Value = serde_saphyr::from_str(patch).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut hits = 0;
        for doc in docs.iter_mut().filter(|d| {
            d["kind"] == kind && name.is_none_or(|n| d["metadata"]["name"].as_str() == Some(n))
        }) {
            apply_ops(doc, &ops, &what);
            hits += 1;
        }
        assert_eq!(hits, 1, "{what}: expected exactly one target");
    }
    docs
}

fn one<T: serde::de::DeserializeOwned>(docs: &[Value], kind: &str) -> T {
    let found: Vec<&Value> = docs.iter().filter(|d| d["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind}");
    serde_json::from_value(found[0].clone()).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

fn env<'a>(c: &'a Container, name: &str) -> Option<&'a EnvVar> {
    c.env.as_ref()?.iter().find(|e| e.name == name)
}

fn secret_ref(e: &EnvVar) -> (String, String) {
    let r = e
        .value_from
        .as_ref()
        .and_then(|v| v.secret_key_ref.as_ref())
        .unwrap_or_else(|| panic!("{} does not come from a Secret", e.name));
    (r.name.clone(), r.key.clone())
}

fn deploy_sh() -> String {
    std::fs::read_to_string(repo().join("scripts/deploy.sh")).unwrap()
}

#[test]
fn the_overlay_patches_the_base_and_lists_only_what_exists() {
    let dir = repo().join(OVERLAY);
    let k = kustomization(&dir);
    assert_eq!(strings(&k["resources"]), ["../../base"]);
    // Only the kustomization: the objects are the base's, patched (so yaml/ keeps one
    // ScaledObject, one TriggerAuthentication and one Deployment to check).
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["kustomization.yaml"]);
    let targets: Vec<(String, String)> = k["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let t = &p["target"];
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            (
                "TriggerAuthentication".to_owned(),
                names::TRIGGER_AUTHENTICATION.to_owned()
            ),
            ("ScaledObject".to_owned(), names::SCALED_OBJECT.to_owned()),
            ("Deployment".to_owned(), names::DEPLOYMENT.to_owned()),
        ]
    );
    // yaml/ and the broker kustomization name only files that exist, and the broker's lists all
    // of its manifests.
    let top = kustomization(&repo().join("yaml"));
    assert_eq!(
        strings(&top["resources"]),
        ["base"],
        "kubectl apply -k yaml/"
    );
    let broker = kustomization(&repo().join(BROKER));
    assert_eq!(broker["namespace"], names::NAMESPACE);
    let mut listed = strings(&broker["resources"]);
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(repo().join(BROKER))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "kustomization.yaml")
        .collect();
    present.sort();
    assert_eq!(listed, present);
}

#[test]
fn the_overlay_renders_a_rabbitmq_scaled_object_keda_accepts() {
    let rendered = render(&repo().join(OVERLAY));
    let base = render(&repo().join("yaml/base"));
    let so: ScaledObject = one(&rendered, "ScaledObject");
    let base_so: ScaledObject = one(&base, "ScaledObject");
    assert_eq!(so.metadata.name.as_deref(), Some(names::SCALED_OBJECT));
    assert_eq!(so.spec.scale_target_ref.name, names::DEPLOYMENT);
    // The base's demo timings, unchanged.
    let timings = |s: &ScaledObject| {
        (
            s.spec.polling_interval,
            s.spec.cooldown_period,
            s.spec.min_replica_count,
            s.spec.max_replica_count,
        )
    };
    assert_eq!(timings(&so), timings(&base_so));
    assert_eq!(timings(&so), (Some(5), Some(30), Some(0), Some(20)));

    assert_eq!(so.spec.triggers.len(), 1);
    let t = &so.spec.triggers[0];
    assert_eq!(t.type_, "rabbitmq");
    let keys: Vec<&str> = t.metadata.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["activationValue", "mode", "protocol", "queueName", "value"],
        "the host comes from the TriggerAuthentication: no host, no hostFromEnv"
    );
    assert_eq!(t.metadata["protocol"], "auto");
    assert_eq!(t.metadata["queueName"], names::QUEUE);
    assert_eq!(t.metadata["mode"], "QueueLength");
    assert_eq!(t.metadata["value"], "20");
    assert_eq!(t.metadata["activationValue"], "0");
    // As KEDA validates it (kedatui_core::rabbitmq follows pkg/scalers/rabbitmq_scaler.go), with
    // the amqp:// URL deploy.sh puts in the Secret.
    let trigger = Trigger::from_metadata(&t.metadata, "amqp").unwrap();
    assert_eq!(trigger.protocol, Protocol::Amqp);
    assert_eq!(trigger.mode, Mode::QueueLength);
    assert_eq!((trigger.value, trigger.activation_value), (20.0, 0.0));

    // The trigger's authenticationRef names the TriggerAuthentication, which reads `host` from
    // the Secret.
    let ta: TriggerAuthentication = one(&rendered, "TriggerAuthentication");
    let ta_name = ta.metadata.name.clone().unwrap();
    assert_eq!(
        t.authentication_ref.as_ref().map(|r| r.name.as_str()),
        Some(ta_name.as_str())
    );
    assert_eq!(ta.spec.secret_target_ref.len(), 1);
    let r = &ta.spec.secret_target_ref[0];
    assert_eq!(
        (r.parameter.as_str(), r.name.as_str(), r.key.as_str()),
        ("host", SECRET, SECRET_KEY)
    );
    assert!(ta.spec.pod_identity.is_none());
    let text = serde_json::to_string(&rendered).unwrap();
    for needle in ["azure-servicebus", "servicebus-connection", "hostFromEnv"] {
        assert!(!text.contains(needle), "{needle} left in the overlay");
    }
}

#[test]
fn the_receiver_gets_rabbitmq_url_from_the_secret_and_nothing_else_changes() {
    let rendered = render(&repo().join(OVERLAY));
    let base = render(&repo().join("yaml/base"));
    let d: Deployment = one(&rendered, "Deployment");
    let c = &d
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0];
    assert_eq!(c.name, names::CONTAINER);
    let env_list = c.env.clone().unwrap();
    // deploy.sh patches env/1 (QUEUE_NAME) by index.
    assert_eq!(env_list[0].name, "RABBITMQ_URL");
    assert_eq!(env_list[1].name, "QUEUE_NAME");
    assert_eq!(
        secret_ref(env(c, "RABBITMQ_URL").unwrap()),
        (SECRET.to_owned(), SECRET_KEY.to_owned())
    );
    assert!(env(c, "RABBITMQ_URL").unwrap().value.is_none());
    assert_eq!(
        env(c, "QUEUE_NAME").and_then(|e| e.value.as_deref()),
        Some(names::QUEUE)
    );
    assert!(env(c, "SERVICEBUS_CONNECTION_STRING").is_none());
    // Everything else is the base's Deployment: only env/0 differs.
    let mut ours = rendered
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .unwrap()
        .clone();
    let mut theirs = base
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .unwrap()
        .clone();
    for doc in [&mut ours, &mut theirs] {
        doc["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array_mut()
            .unwrap()
            .remove(0);
    }
    assert_eq!(ours, theirs);
    // The rest of the base comes along as it is: namespace, RBAC.
    let kinds: Vec<&str> = rendered.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Deployment",
            "TriggerAuthentication",
            "ScaledObject"
        ]
    );
}

#[test]
fn the_demo_broker_is_rabbitmq_with_management_from_its_secret() {
    let docs = render(&repo().join(BROKER));
    let sts: StatefulSet = one(&docs, "StatefulSet");
    let svc: Service = one(&docs, "Service");
    assert_eq!(
        docs.len(),
        2,
        "no Secret in the repository: deploy.sh makes it"
    );
    let spec = sts.spec.as_ref().unwrap();
    assert_eq!(spec.replicas, Some(1));
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.containers.len(), 1);
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some("rabbitmq:4-management"));
    for (var, key) in [
        ("RABBITMQ_DEFAULT_USER", "username"),
        ("RABBITMQ_DEFAULT_PASS", "password"),
    ] {
        let e = env(c, var).unwrap_or_else(|| panic!("{var} is set"));
        assert!(e.value.is_none(), "{var} inline");
        assert_eq!(secret_ref(e), (BROKER_SECRET.to_owned(), key.to_owned()));
    }
    let ports: Vec<(Option<&str>, i32)> = c
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| (p.name.as_deref(), p.container_port))
        .collect();
    assert_eq!(ports, [(Some("amqp"), 5672), (Some("management"), 15672)]);
    let r = c.resources.as_ref().unwrap();
    assert!(
        r.requests.is_some() && r.limits.is_some(),
        "modest, and bounded"
    );
    assert!(c.readiness_probe.is_some() && c.liveness_probe.is_some());
    assert_eq!(
        pod.security_context.as_ref().unwrap().run_as_non_root,
        Some(true)
    );

    // The Service deploy.sh's URL names (rabbitmq.<namespace>.svc:5672) selects the pod and
    // exposes both ports.
    assert_eq!(svc.metadata.name.as_deref(), Some("rabbitmq"));
    assert_eq!(spec.service_name.as_deref(), Some("rabbitmq"));
    assert!(deploy_sh().contains("@rabbitmq.$K8S_NAMESPACE.svc:5672/%2F"));
    let labels = spec
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .clone()
        .unwrap();
    let s = svc.spec.as_ref().unwrap();
    for (k, v) in s.selector.as_ref().unwrap() {
        assert_eq!(
            labels.get(k),
            Some(v),
            "the Service selects the broker's pod"
        );
    }
    let svc_ports: Vec<(i32, String)> = s
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| {
            let target = match p.target_port.as_ref().unwrap() {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
                other => panic!("{other:?}: name the container port"),
            };
            (p.port, target)
        })
        .collect();
    assert_eq!(
        svc_ports,
        [(5672, "amqp".to_owned()), (15672, "management".to_owned())]
    );
    for d in &docs {
        assert_eq!(d["metadata"]["namespace"], names::NAMESPACE);
    }
    // Say what it is.
    let mut text = String::new();
    for f in ["kustomization.yaml", "statefulset.yaml"] {
        text += &std::fs::read_to_string(repo().join(BROKER).join(f)).unwrap();
    }
    assert!(text.contains("not for production"), "a demo broker");
    assert!(text.contains("RabbitMQ Cluster Operator"));
}

/// The names the manifests use are the ones deploy.sh creates, and the URL it builds for the
/// demo broker parses as kedatui (and the receiver) read it: default vhost, port 5672.
#[test]
fn deploy_sh_and_the_manifests_agree_on_names_and_url() {
    let script = deploy_sh();
    for needle in [
        format!("RABBITMQ_SECRET={SECRET}"),
        format!("RABBITMQ_BROKER_SECRET={BROKER_SECRET}"),
        "apply_secret \"$RABBITMQ_SECRET\" host \"$RABBITMQ_URL\"".to_owned(),
        "username \"$RABBITMQ_USER\" password \"$RABBITMQ_PASSWORD\"".to_owned(),
        "overlay=overlays/rabbitmq".to_owned(),
        "  - ../rabbitmq".to_owned(),
    ] {
        assert!(script.contains(&needle), "scripts/deploy.sh lacks {needle}");
    }
    let url = BrokerUrl::parse_amqp(&format!(
        "amqp://kedatui:0123456789abcdef0123456789abcdef@rabbitmq.{}.svc:5672/%2F",
        names::NAMESPACE
    ))
    .unwrap();
    assert_eq!(url.vhost(), "/");
    assert_eq!(url.url().port(), Some(5672));
    assert_eq!(
        json!(url.url().host_str()),
        json!(format!("rabbitmq.{}.svc", names::NAMESPACE))
    );
    // The password never shows when kedatui prints the URL.
    assert!(!url.to_string().contains("0123456789abcdef"));
}
