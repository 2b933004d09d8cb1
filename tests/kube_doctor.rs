//! `kedatui doctor`'s cluster checks against the loopback API server: all green, then each
//! failure injected, each with its fix; and the binary's exit code and `--json`.

use std::process::Command;

use kedatui::kube::ClusterArgs;
use kedatui::kube::doctor::{Outcome, cluster_checks, names};
use serde_json::json;
use testkit::kube::demo;
use testkit::kube::{DEPLOYMENTS, FakeApiServer, HPAS, NAMESPACES, Options, SCALED_OBJECTS};

const NS: &str = demo::NAMESPACE;

async fn seeded() -> FakeApiServer {
    FakeApiServer::start_with(Options {
        seed_demo: true,
        ..Options::default()
    })
    .await
    .unwrap()
}

fn args_for(server: &FakeApiServer, dir: &tempfile::TempDir) -> ClusterArgs {
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path, "default").unwrap();
    ClusterArgs {
        kubeconfig: Some(path),
        ..ClusterArgs::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_cluster_checks_pass_on_a_ready_demo() {
    let server = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let checks = cluster_checks(&args_for(&server, &dir)).await;
    let got: Vec<(&str, Outcome)> = checks
        .iter()
        .map(|c| (c.name.as_str(), c.outcome))
        .collect();
    assert_eq!(
        got,
        [
            (names::REACHABLE, Outcome::Pass),
            (names::NAMESPACE, Outcome::Pass),
            (names::CRDS, Outcome::Pass),
            (names::SCALED_OBJECT, Outcome::Pass),
            (names::DEPLOYMENT, Outcome::Pass),
            (names::HPA, Outcome::Pass),
            (names::RBAC, Outcome::Pass),
        ],
        "{checks:#?}"
    );
    assert!(
        checks[0].detail.starts_with("Kubernetes v1.33"),
        "{}",
        checks[0].detail
    );
    assert!(
        checks[3]
            .detail
            .contains("→ kedasbreceiver (queue kedaqueue, messageCount 5, 0–20 replicas)"),
        "{}",
        checks[3].detail
    );
    assert!(
        checks[4]
            .detail
            .contains("pods app.kubernetes.io/name=kedasbreceiver"),
        "{}",
        checks[4].detail
    );
}

type Inject = fn(&FakeApiServer);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_injected_failure_fails_its_check_with_a_fix() {
    // (failure, injection, the check that fails, words its detail and its fix must contain)
    let cases: Vec<(&str, Inject, &str, &str, &str)> = vec![
        (
            "namespace missing",
            |s| drop(s.delete(NAMESPACES, "", NS)),
            names::NAMESPACE,
            "namespace keda-demo not found",
            "kubectl apply -k yaml/",
        ),
        (
            "KEDA not installed",
            |s| s.set_keda_installed(false),
            names::CRDS,
            "KEDA is not installed",
            "helm install keda",
        ),
        (
            "ScaledObject missing",
            |s| drop(s.delete(SCALED_OBJECTS, NS, demo::SCALED_OBJECT)),
            names::SCALED_OBJECT,
            "scaledobjects keda-demo/kedasbreceiver-scaler not found",
            "--scaledobject",
        ),
        (
            "ScaledObject not Ready",
            |s| drop(s.apply(demo::scaled_object(NS, false))),
            names::SCALED_OBJECT,
            "is not Ready: False ScaledObjectCheckFailed",
            "kubectl describe scaledobject",
        ),
        (
            "Deployment missing",
            |s| drop(s.delete(DEPLOYMENTS, NS, demo::DEPLOYMENT)),
            names::DEPLOYMENT,
            "deployments keda-demo/kedasbreceiver not found",
            "kubectl apply -k yaml/",
        ),
        (
            "HPA missing",
            |s| drop(s.delete(HPAS, NS, demo::HPA)),
            names::HPA,
            "keda-hpa-kedasbreceiver-scaler not found",
            "KEDA creates the HPA",
        ),
        (
            "no watch on pods",
            |s| s.forbid("watch", "pods"),
            names::RBAC,
            "may not watch pods in namespace keda-demo",
            "kubectl apply -f yaml/rbac.yaml",
        ),
        (
            "no get on the ScaledObject",
            |s| s.forbid("get", "scaledobjects"),
            names::SCALED_OBJECT,
            "may not get scaledobjects.keda.sh",
            "kubectl apply -f yaml/rbac.yaml",
        ),
    ];
    for (case, inject, failing, detail, fix) in cases {
        let server = seeded().await;
        inject(&server);
        let dir = tempfile::tempdir().unwrap();
        let checks = cluster_checks(&args_for(&server, &dir)).await;
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .collect();
        assert_eq!(
            failed.len(),
            1,
            "{case}: exactly one check fails: {checks:#?}"
        );
        assert_eq!(failed[0].name, failing, "{case}");
        assert!(
            failed[0].detail.contains(detail),
            "{case}: detail {:?}",
            failed[0].detail
        );
        assert!(
            failed[0].fix.as_deref().is_some_and(|f| f.contains(fix)),
            "{case}: fix {:?}",
            failed[0].fix
        );
        if case == "KEDA not installed" {
            let so = checks
                .iter()
                .find(|c| c.name == names::SCALED_OBJECT)
                .unwrap();
            assert_eq!(
                so.outcome,
                Outcome::Skip,
                "{case}: the ScaledObject check depends on the CRDs"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_reads_forbidden_by_a_namespaced_role_still_pass() {
    let server = seeded().await;
    server.forbid("get", "namespaces");
    let dir = tempfile::tempdir().unwrap();
    let checks = cluster_checks(&args_for(&server, &dir)).await;
    let ns = checks.iter().find(|c| c.name == names::NAMESPACE).unwrap();
    assert_eq!(ns.outcome, Outcome::Pass);
    assert!(ns.detail.contains("not verifiable"), "{}", ns.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cluster_fails_first_and_skips_the_rest() {
    let server = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let args = args_for(&server, &dir);
    server.stop();
    let checks = cluster_checks(&args).await;
    assert_eq!(checks[0].name, names::REACHABLE);
    assert_eq!(checks[0].outcome, Outcome::Fail);
    assert!(
        checks[0].detail.starts_with("cannot reach the API server"),
        "{}",
        checks[0].detail
    );
    assert!(
        checks[1..].iter().all(|c| c.outcome == Outcome::Skip),
        "{checks:#?}"
    );

    // A kubeconfig that does not exist is bad input, said plainly.
    let missing = ClusterArgs {
        kubeconfig: Some(dir.path().join("nope")),
        ..ClusterArgs::default()
    };
    let checks = cluster_checks(&missing).await;
    assert_eq!(checks[0].outcome, Outcome::Fail);
    assert!(
        checks[0].detail.contains("cannot read kubeconfig"),
        "{}",
        checks[0].detail
    );

    // So is a context the kubeconfig does not have.
    let wrong_context = ClusterArgs {
        context: Some("prod".into()),
        ..args
    };
    let checks = cluster_checks(&wrong_context).await;
    assert_eq!(checks[0].outcome, Outcome::Fail);
    assert!(checks[0].detail.contains("prod"), "{}", checks[0].detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_non_zero_and_prints_json() {
    let server = seeded().await;
    server.set_keda_installed(false);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path, "default").unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(["doctor", "--json", "--kubeconfig"])
            .arg(&path)
            .env_remove("SERVICEBUS_CONNECTION_STRING")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["ok"], json!(false));
    let crds = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == names::CRDS)
        .unwrap();
    assert_eq!(crds["outcome"], "fail");
    assert!(crds["fix"].as_str().unwrap().contains("helm install keda"));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(server.token()),
        "no credentials in the output"
    );
}
