//! `kedatui doctor`'s cluster checks against the loopback API server: all green, then each
//! failure injected, each with its fix; and the binary's exit code and `--json`.

use crate::support as common;

use std::process::Command;

use kedatui::args::cluster::ClusterArgs;
use kedatui::commands::doctor::{Check, Outcome, cluster_checks, names};
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

/// Each check's name and outcome, in order.
fn outcomes(checks: &[Check]) -> Vec<(&str, Outcome)> {
    checks
        .iter()
        .map(|c| (c.name.as_str(), c.outcome))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_cluster_checks_pass_on_a_ready_demo() {
    let server = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let checks = cluster_checks(&args_for(&server, &dir)).await;
    let got = outcomes(&checks);
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
            .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
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

// ---- the Service Bus side, against the loopback Service Bus ----

use kedatui::args::servicebus::ServiceBusArgs;
use kedatui::commands::doctor::servicebus_checks;
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule, random_key};

/// (case, connection string, queue, outcomes of [parse, send, manage], a word of each failure's fix)
type SbCase<'a> = (
    &'a str,
    Option<String>,
    Option<&'a str>,
    [Outcome; 3],
    &'a str,
);

fn bus_with_policies() -> FakeServiceBus {
    let rule = |name: &str, rights| SasRule {
        name: name.into(),
        key: random_key(),
        rights,
    };
    FakeServiceBus::start(FakeServiceBusOptions {
        rules: vec![
            rule("RootManageSharedAccessKey", Rights::ALL),
            rule("sender", Rights::SEND),
            rule("listener", Rights::LISTEN),
        ],
        ..FakeServiceBusOptions::default()
    })
    .unwrap()
}

fn sb_args(bus: &FakeServiceBus, queue: Option<&str>) -> ServiceBusArgs {
    ServiceBusArgs {
        management_url: Some(bus.management_url()),
        queue: queue.map(str::to_string),
        ..ServiceBusArgs::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servicebus_checks_pass_with_a_manage_policy() {
    let bus = bus_with_policies();
    let checks =
        servicebus_checks(sb_args(&bus, None).resolve_with(Some(bus.connection_string()))).await;
    let got = outcomes(&checks);
    assert_eq!(
        got,
        [
            (names::CONNECTION_STRING, Outcome::Pass),
            (names::SEND, Outcome::Pass),
            (names::MANAGE, Outcome::Pass)
        ],
        "{checks:#?}"
    );
    assert!(
        checks[0]
            .detail
            .contains("policy RootManageSharedAccessKey), queue kedaqueue"),
        "{}",
        checks[0].detail
    );
    assert!(
        checks[2].detail.contains("0 active"),
        "{}",
        checks[2].detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_servicebus_failure_fails_its_check_with_a_fix() {
    let bus = bus_with_policies();
    let wrong_key = bus
        .connection_string()
        .split(';')
        .map(|part| {
            if part.starts_with("SharedAccessKey=") {
                format!("SharedAccessKey={}", random_key())
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(";");
    let cases: Vec<SbCase> = vec![
        (
            "nothing configured",
            None,
            None,
            [Outcome::Fail, Outcome::Skip, Outcome::Skip],
            "SERVICEBUS_CONNECTION_STRING",
        ),
        (
            "malformed",
            Some("Endpoint=sb://x/;SharedAccessKeyName=p".into()),
            None,
            [Outcome::Fail, Outcome::Skip, Outcome::Skip],
            "SharedAccessKeyName=<policy>",
        ),
        (
            "send-only policy",
            Some(bus.connection_string_for("sender")),
            None,
            [Outcome::Pass, Outcome::Pass, Outcome::Fail],
            "needs Manage rights",
        ),
        // servicebus::check_send_rights passes with a Listen-only policy against the testkit
        // broker (it accepts the sender attach, then detaches with unauthorized-access; a real
        // namespace refuses the attach). Reported to the servicebus area; counts still fail it.
        (
            "listen-only policy (counts)",
            Some(bus.connection_string_for("listener")),
            None,
            [Outcome::Pass, Outcome::Pass, Outcome::Fail],
            "needs Manage rights",
        ),
        (
            // #10 item 4: the key was refused, not "needs Send/Manage".
            "wrong key",
            Some(wrong_key),
            None,
            [Outcome::Pass, Outcome::Fail, Outcome::Fail],
            "was refused",
        ),
        // Same for a missing queue: the testkit broker accepts the sender attach before refusing it.
        (
            "queue missing (counts)",
            Some(bus.connection_string()),
            Some("nope"),
            [Outcome::Pass, Outcome::Pass, Outcome::Fail],
            "create queue nope",
        ),
    ];
    for (case, cs, queue, want, fix) in cases {
        let key = cs
            .as_deref()
            .and_then(|c| c.split("SharedAccessKey=").nth(1))
            .map(|k| k.split(';').next().unwrap().to_string());
        let checks = servicebus_checks(sb_args(&bus, queue).resolve_with(cs)).await;
        let got: Vec<Outcome> = checks.iter().map(|c| c.outcome).collect();
        assert_eq!(got, want, "{case}: {checks:#?}");
        for failed in checks.iter().filter(|c| c.outcome == Outcome::Fail) {
            let f = failed.fix.as_deref().unwrap_or_default();
            assert!(f.contains(fix), "{case}: fix of {:?} is {f:?}", failed.name);
            if let Some(key) = &key {
                assert!(
                    !failed.detail.contains(key.as_str()) && !f.contains(key.as_str()),
                    "{case}: the key leaked"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_fails_send_and_counts() {
    let mut bus = bus_with_policies();
    let args = sb_args(&bus, None);
    let cs = bus.connection_string();
    bus.stop();
    let checks = servicebus_checks(args.resolve_with(Some(cs))).await;
    let got: Vec<Outcome> = checks.iter().map(|c| c.outcome).collect();
    assert_eq!(
        got,
        [Outcome::Pass, Outcome::Fail, Outcome::Fail],
        "{checks:#?}"
    );
    assert!(
        checks[1]
            .fix
            .as_deref()
            .unwrap()
            .contains("check the network"),
        "{checks:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_zero_when_both_sides_are_green() {
    let bus = bus_with_policies();
    let server = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path, "default").unwrap();
    let (cs, url) = (bus.connection_string(), bus.management_url());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(["doctor", "--management-url", &url, "--kubeconfig"])
            .arg(&path)
            .env("SERVICEBUS_CONNECTION_STRING", cs)
            .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
            .env_remove("SERVICEBUS_QUEUE")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches('✔').count(), 10, "{stdout}");
    assert!(
        stdout.ends_with("all 10 checks passed: ready for the stage\n"),
        "{stdout}"
    );
    let key = bus
        .connection_string()
        .split("SharedAccessKey=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(!stdout.contains(&key), "the key must never be printed");
}

/// The doctor's counts check signs with `$SERVICEBUS_MANAGE_CONNECTION_STRING` when it is set:
/// a Send-only main policy passes every check with a Manage string, and a manage string without
/// Manage fails the counts check with a fix naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counts_check_uses_the_manage_connection_string() {
    use kedatui::args::servicebus::ServiceBusEnv;
    let bus = bus_with_policies();
    let env = |manage: &str| ServiceBusEnv {
        connection_string: Some(bus.connection_string_for("sender")),
        manage_connection_string: Some(bus.connection_string_for(manage)),
    };
    let checks =
        servicebus_checks(sb_args(&bus, None).resolve_env(env("RootManageSharedAccessKey"))).await;
    let got: Vec<Outcome> = checks.iter().map(|c| c.outcome).collect();
    assert_eq!(got, [Outcome::Pass; 3], "{checks:#?}");
    assert!(
        checks[0].detail.contains(
            "(policy sender), queue kedaqueue; counts and purge with policy RootManageSharedAccessKey ($SERVICEBUS_MANAGE_CONNECTION_STRING)"
        ),
        "{}",
        checks[0].detail
    );

    let checks = servicebus_checks(sb_args(&bus, None).resolve_env(env("listener"))).await;
    let got: Vec<Outcome> = checks.iter().map(|c| c.outcome).collect();
    assert_eq!(
        got,
        [Outcome::Pass, Outcome::Pass, Outcome::Fail],
        "{checks:#?}"
    );
    let fix = checks[2].fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("policy listener ($SERVICEBUS_MANAGE_CONNECTION_STRING) needs Manage rights"),
        "{fix}"
    );

    // A manage string for another namespace: the parse check fails with its own fix.
    let other = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let checks = servicebus_checks(sb_args(&bus, None).resolve_env(ServiceBusEnv {
        connection_string: Some(bus.connection_string_for("sender")),
        manage_connection_string: Some(other.connection_string()),
    }))
    .await;
    let got: Vec<Outcome> = checks.iter().map(|c| c.outcome).collect();
    assert_eq!(
        got,
        [Outcome::Fail, Outcome::Skip, Outcome::Skip],
        "{checks:#?}"
    );
    assert!(
        checks[0].detail.contains("same Service Bus namespace"),
        "{}",
        checks[0].detail
    );
    let fix = checks[0].fix.as_deref().unwrap_or_default();
    assert!(fix.contains("same namespace and queue"), "{fix}");
    for key in bus.options().rules.iter().chain(&other.options().rules) {
        for c in &checks {
            assert!(
                !c.detail.contains(&key.key)
                    && !c.fix.as_deref().unwrap_or_default().contains(&key.key)
            );
        }
    }
}

// ---- an exec plugin that waits for a sign-in ----

/// #19 item 5: the doctor prints each check as it finishes. With an exec plugin waiting for a
/// sign-in, the Service Bus checks are on screen while the cluster check still waits; when the
/// plugin ends without a credential, the cluster check says so.
#[test]
fn doctor_streams_its_checks_while_an_exec_plugin_waits() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let (kubeconfig, pid_file) = common::blocking_exec_kubeconfig(dir.path());
    // The default --exec-timeout (2 min) outlasts this test's waits: only streaming shows a line.
    let mut child = common::spawn_kedatui(
        &["doctor", "--kubeconfig", kubeconfig.to_str().unwrap()],
        &[],
    );
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains(names::CONNECTION_STRING))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                common::kill_exec_plugin(&pid_file, std::time::Duration::from_secs(10));
                panic!("no Service Bus check printed while the exec plugin waits: {seen:?}");
            }
        }
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the doctor is still waiting for the plugin"
    );
    common::kill_exec_plugin(&pid_file, std::time::Duration::from_secs(10));
    let code = common::wait_within(&mut child, std::time::Duration::from_secs(30));
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    let stderr = common::read_all(child.stderr.take());
    assert_eq!(code, 1, "{seen:?} {stderr}");
    assert!(stderr.contains(common::EXEC_PROMPT), "the prompt: {stderr}");
    let reachable = seen
        .iter()
        .find(|l| l.contains(names::REACHABLE))
        .unwrap_or_else(|| panic!("{seen:?}"));
    assert!(
        reachable.starts_with('✘')
            && reachable.contains("exec plugin `")
            && reachable.contains("failed"),
        "{reachable}"
    );
}

/// #19 item 5: an exec plugin that never answers ends in a reason after `--exec-timeout`.
#[test]
fn doctor_gives_up_on_an_exec_plugin_after_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (kubeconfig, pid_file) = common::blocking_exec_kubeconfig(dir.path());
    let mut child = common::spawn_kedatui(
        &[
            "doctor",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--exec-timeout",
            "1s",
        ],
        &[],
    );
    let code = common::wait_within(&mut child, std::time::Duration::from_secs(30));
    // The plugin holds kedatui's stderr until it ends.
    common::kill_exec_plugin(&pid_file, std::time::Duration::from_secs(10));
    let stdout = common::read_all(child.stdout.take());
    let stderr = common::read_all(child.stderr.take());
    assert_eq!(code, 1, "{stdout} {stderr}");
    assert!(stderr.contains(common::EXEC_PROMPT), "the prompt: {stderr}");
    assert!(
        stdout.contains(&format!(
            "✘ {}: the kubeconfig's exec plugin `{}` gave no credential within 1s",
            names::REACHABLE,
            dir.path().join("exec-plugin.sh").display()
        )) && stdout.contains("--exec-timeout"),
        "{stdout}"
    );
    assert!(stdout.contains("- namespace exists: skipped"), "{stdout}");
}

/// #19 item 8: a `$KUBECONFIG` naming a FIFO or `/dev/zero` is refused at once (kube-rs would
/// block on the FIFO, or read the device until memory runs out).
#[test]
fn doctor_refuses_a_kubeconfig_that_is_no_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = common::fifo(dir.path());
    for path in [fifo.to_str().unwrap(), "/dev/zero"] {
        let mut child = common::spawn_kedatui(&["doctor"], &[("KUBECONFIG", path)]);
        let code = common::wait_within(&mut child, std::time::Duration::from_secs(10));
        let stdout = common::read_all(child.stdout.take());
        assert_eq!(code, 1, "{stdout}");
        assert!(
            stdout.contains(&format!(
                "✘ {}: cannot read kubeconfig {path}: it is not a regular file",
                names::REACHABLE
            )),
            "{stdout}"
        );
    }
}

/// A loopback listener that accepts connections and never answers (holding them) until
/// released, then drops every connection at once; counts what it accepted.
struct Silent {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    release: std::sync::Arc<std::sync::atomic::AtomicBool>,
    held: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Silent {
    fn start() -> Silent {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let silent = Silent {
            port: listener.local_addr().unwrap().port(),
            accepted: Default::default(),
            release: Default::default(),
            held: Default::default(),
        };
        let (accepted, release, held) = (
            silent.accepted.clone(),
            silent.release.clone(),
            silent.held.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted.fetch_add(1, Ordering::SeqCst);
                if !release.load(Ordering::SeqCst) {
                    held.lock().unwrap().push(stream);
                }
            }
        });
        silent
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn release(&self) {
        self.release
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.held.lock().unwrap().clear();
    }
}

/// #19 item 5: each Service Bus check prints as soon as it is made: "connection string parses"
/// is on screen while the send check still waits on a broker that never answers, before the
/// counts check has even connected (it used to print with the rest, 15 s or more later).
#[test]
fn doctor_prints_each_servicebus_check_as_it_finishes() {
    use std::io::BufRead as _;
    let (amqp, http) = (Silent::start(), Silent::start());
    let cs = format!(
        "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName=r;SharedAccessKey={};UseDevelopmentEmulator=true",
        amqp.port,
        testkit::servicebus::random_key()
    );
    let url = format!("http://127.0.0.1:{}/", http.port);
    let mut child = common::spawn_kedatui(
        &[
            "doctor",
            "--management-url",
            &url,
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ],
        &[("SERVICEBUS_CONNECTION_STRING", &cs)],
    );
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let first = lines
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no line within 30 s")
        });
    let counts_connections = http.accepted();
    amqp.release();
    http.release();
    assert!(
        first.starts_with(&format!("✔ {}", names::CONNECTION_STRING)),
        "{first}"
    );
    assert_eq!(
        counts_connections, 0,
        "the first line came only after the counts check had started"
    );
    let code = common::wait_within(&mut child, std::time::Duration::from_secs(60));
    reader.join().unwrap();
    let rest: Vec<String> = lines.try_iter().collect();
    assert_eq!(code, 1, "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with(&format!("✘ {}", names::SEND))),
        "{rest:?}"
    );
}

// ---- an API server that serves less than a cluster (a generic k8s.io apiserver) ----

/// The fake answers for an unserved resource as a real server does: 404 on every verb and path
/// (cluster-wide, namespaced, POST, watch), and discovery does not list it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unserved_resource_is_404_everywhere_and_absent_from_discovery() {
    use k8s_openapi::api::core::v1::{Event, Namespace};
    use kube::api::{ListParams, PostParams, WatchParams};
    let server = seeded().await;
    server.set_served("events", false);
    server.set_served("namespaces", false);
    let dir = tempfile::tempdir().unwrap();
    let client = args_for(&server, &dir).client().await.unwrap().0;
    let is_404 = |r: Result<(), kube::Error>, what: &str| match r {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 404, "{what}: {s:?}"),
        other => panic!("{what}: {other:?}"),
    };
    let events: kube::Api<Event> = kube::Api::namespaced(client.clone(), NS);
    let all_events: kube::Api<Event> = kube::Api::all(client.clone());
    is_404(events.list(&ListParams::default()).await.map(drop), "list");
    is_404(
        all_events.list(&ListParams::default()).await.map(drop),
        "list all",
    );
    is_404(events.get("x").await.map(drop), "get");
    let event: Event = serde_json::from_value(
        json!({"metadata": {"name": "x", "namespace": NS}, "involvedObject": {}}),
    )
    .unwrap();
    is_404(
        events
            .create(&PostParams::default(), &event)
            .await
            .map(drop),
        "create",
    );
    is_404(
        events.watch(&WatchParams::default(), "0").await.map(drop),
        "watch",
    );
    let namespaces: kube::Api<Namespace> = kube::Api::all(client.clone());
    is_404(namespaces.get(NS).await.map(drop), "get namespace");
    let namespace: Namespace = serde_json::from_value(json!({"metadata": {"name": "n"}})).unwrap();
    is_404(
        namespaces
            .create(&PostParams::default(), &namespace)
            .await
            .map(drop),
        "create namespace",
    );
    // Namespaced paths of served resources still work.
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(client.clone(), NS);
    pods.list(&ListParams::default()).await.unwrap();
    // Discovery.
    let core = client.list_core_api_resources("v1").await.unwrap();
    let core: Vec<&str> = core.resources.iter().map(|r| r.name.as_str()).collect();
    assert!(core.contains(&"pods"), "{core:?}");
    assert!(!core.contains(&"events"), "{core:?}");
    assert!(!core.contains(&"namespaces"), "{core:?}");
    is_404(
        client
            .list_api_group_resources("events.k8s.io/v1")
            .await
            .map(drop),
        "events.k8s.io/v1 discovery",
    );
    let groups = client.list_api_groups().await.unwrap();
    assert!(
        !groups.groups.iter().any(|g| g.name == "events.k8s.io"),
        "{:?}",
        groups.groups.iter().map(|g| &g.name).collect::<Vec<_>>()
    );
}

/// No Events API: a warning, worded as the console's events panel, never a failure with a
/// "retry" that cannot help.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_not_served_is_a_warning_not_a_failure() {
    use kedatui::commands::doctor::Report;
    let server = seeded().await;
    server.set_served("events", false);
    let dir = tempfile::tempdir().unwrap();
    let checks = cluster_checks(&args_for(&server, &dir)).await;
    assert!(
        checks.iter().all(|c| c.outcome != Outcome::Fail),
        "{checks:#?}"
    );
    let report = Report::new(checks);
    assert!(report.ok, "{report:#?}");
    let text = report.render_text();
    assert!(
        text.contains("⚠ events unavailable (not served): the events panel stays empty\n"),
        "{text}"
    );
    assert!(!text.contains("retry"), "{text}");
    assert!(
        text.ends_with("all 7 checks passed (1 warning above): ready for the stage\n"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    let warned: Vec<_> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "warn")
        .collect();
    assert_eq!(warned.len(), 1, "{json:#}");
}

/// No Namespaces API (a generic API server): the namespace cannot be checked, which is not a
/// missing namespace; the checks below read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_not_served_still_pass() {
    let server = seeded().await;
    server.set_served("namespaces", false);
    let dir = tempfile::tempdir().unwrap();
    let checks = cluster_checks(&args_for(&server, &dir)).await;
    let ns = checks.iter().find(|c| c.name == names::NAMESPACE).unwrap();
    assert_eq!(ns.outcome, Outcome::Pass, "{checks:#?}");
    assert!(
        ns.detail
            .contains("this API server does not serve namespaces"),
        "{}",
        ns.detail
    );
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{checks:#?}"
    );
}
