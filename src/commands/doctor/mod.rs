//! `kedatui doctor`: the preflight to run before going on stage. Each check passes or fails with
//! the fix for the failure; checks that depend on a failed one are skipped. Exit 0 only if all pass.

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event as KubeEvent, Namespace, Pod};
use kube::api::{ListParams, WatchParams};
use kube::{Api, Client};

use crate::args::cluster::ClusterArgs;
use kedatui_core::crd::ScaledObject;
use kedatui_core::event::{ErrorKind, SourceError};
use kedatui_core::kube::discovery::{deployment_name, hpa_name, selector_string};
use kedatui_core::kube::errors::{Access, classify, keda_not_installed};
use kedatui_core::kube::rows::{deployment_view, scaled_object_view};
use kedatui_core::queue::Queue;
use kedatui_core::servicebus::counts::needs_manage;
use kedatui_core::servicebus::{CONNECTION_STRING_ENV, MANAGE_CONNECTION_STRING_ENV};
use kedatui_core::servicebus::{ConnectionStringError, ServiceBusConfig};
use kedatui_servicebus::errors::KEY_REFUSED;

/// No single check may hang the preflight.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

pub mod entra;
pub mod rabbitmq;
pub mod report;

pub use report::{Check, Outcome, Report, names};

async fn timed<T>(
    f: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, Result<kube::Error, ()>> {
    match tokio::time::timeout(CHECK_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Ok(e)),
        Err(_) => Err(Err(())),
    }
}

fn timeout_error() -> SourceError {
    SourceError {
        kind: ErrorKind::Timeout,
        message: format!("no answer within {}s", CHECK_TIMEOUT.as_secs()),
    }
}

fn explain(result: Result<kube::Error, ()>, access: Access) -> SourceError {
    match result {
        Ok(e) => classify(&e, access),
        Err(()) => timeout_error(),
    }
}

fn fix_for(error: &SourceError, otherwise: &str) -> String {
    match &error.kind {
        ErrorKind::Forbidden { grant_file, .. } => format!("kubectl apply -f {grant_file}"),
        ErrorKind::KedaNotInstalled => {
            "helm repo add kedacore https://kedacore.github.io/charts && helm install keda kedacore/keda \
             --namespace keda --create-namespace (scripts/azure-up.sh does this)"
                .into()
        }
        ErrorKind::Unauthorized => "refresh the kubeconfig's credentials (e.g. `az aks get-credentials …`)".into(),
        _ => otherwise.into(),
    }
}

/// The Service Bus checks, in order, for what `ServiceBusArgs::resolve` produced.
pub async fn servicebus_checks(
    resolved: Result<Option<ServiceBusConfig>, ConnectionStringError>,
) -> Vec<Check> {
    servicebus_checks_streamed(resolved, &mut |_| {}).await
}

/// [`servicebus_checks`], handing each to `on_check` as soon as it is made.
pub async fn servicebus_checks_streamed(
    resolved: Result<Option<ServiceBusConfig>, ConnectionStringError>,
    on_check: &mut (dyn FnMut(&Check) + Send),
) -> Vec<Check> {
    let mut checks = Checks {
        done: Vec::new(),
        on_check,
    };
    servicebus_checks_into(resolved, &mut checks).await;
    checks.done
}

async fn servicebus_checks_into(
    resolved: Result<Option<ServiceBusConfig>, ConnectionStringError>,
    checks: &mut Checks<'_>,
) {
    let skip_rest = |why: &str| {
        vec![
            Check::skip(names::SEND, why),
            Check::skip(names::MANAGE, why),
        ]
    };
    let cfg = match resolved {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            checks.push(Check::fail(
                names::CONNECTION_STRING,
                format!("no connection string: {CONNECTION_STRING_ENV} is not set"),
                format!(
                    "export {CONNECTION_STRING_ENV}='<the kedatui-send policy's connection string>' and \
                     {MANAGE_CONNECTION_STRING_ENV}='<the keda-manage policy's>' (scripts/deploy.sh prints both commands), \
                     or pass --connection-string-file FILE; without keys, pass --fully-qualified-namespace \
                     NAME.servicebus.windows.net after `az login`"
                ),
            ));
            checks.extend(skip_rest("skipped: no connection string"));
            return;
        }
        Err(e) => {
            let fix = match &e {
                ConnectionStringError::NamespaceMismatch { .. }
                | ConnectionStringError::ManageQueueMismatch { .. } => format!(
                    "take both connection strings from the same namespace and queue \
                     (scripts/deploy.sh prints the commands), or unset {MANAGE_CONNECTION_STRING_ENV}"
                ),
                ConnectionStringError::ManageWithoutConnection { .. } => format!(
                    "export {CONNECTION_STRING_ENV}='<the kedatui-send policy's connection string>' too"
                ),
                _ => "use a SAS policy's connection string: Endpoint=sb://<namespace>.servicebus.windows.net/;\
                      SharedAccessKeyName=<policy>;SharedAccessKey=<key>"
                    .to_owned(),
            };
            checks.push(Check::fail(names::CONNECTION_STRING, e.to_string(), fix));
            checks.extend(skip_rest("skipped: the connection string does not parse"));
            return;
        }
    };
    if let Some(auth) = cfg.connection.entra.clone() {
        checks.extend(entra::keyless_checks(&cfg, &auth).await);
        return;
    }
    let mut detail = format!(
        "{} (policy {}), queue {}",
        cfg.connection.namespace_uri(),
        cfg.connection.key_name,
        cfg.queue
    );
    if let Some(manage) = &cfg.manage_connection {
        detail.push_str(&format!(
            "; counts and purge with policy {} (${MANAGE_CONNECTION_STRING_ENV})",
            manage.key_name
        ));
    }
    checks.push(Check::pass(names::CONNECTION_STRING, detail));
    let queue = cfg.queue.as_str();
    let policy = cfg.connection.key_name.as_str();
    let counts_policy = cfg.counts_connection().key_name.as_str();
    checks.push(match Queue::ServiceBus(cfg.clone()).check_send().await {
        Ok(()) => Check::pass(names::SEND, format!("a sender attached to {queue} (policy {policy} may Send)")),
        Err(e) => {
            let fix = match e.kind {
                ErrorKind::Unauthorized if e.message.starts_with(KEY_REFUSED) => key_refused_fix(policy, CONNECTION_STRING_ENV),
                ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } => {
                    format!("policy {policy} needs Send rights on {queue}: use a policy with Send")
                }
                ErrorKind::NotFound => format!("create queue {queue} (scripts/azure-up.sh) or pass --queue"),
                ErrorKind::Unreachable | ErrorKind::Timeout => {
                    "check the network: AMQP uses TCP 5671 to <namespace>.servicebus.windows.net (blocked on some venue Wi-Fi)".into()
                }
                _ => "retry; `kedatui send 1` shows the broker's full reason".into(),
            };
            Check::fail(names::SEND, e.message, fix)
        }
    });
    checks.push(match Queue::ServiceBus(cfg.clone()).read_counts().await {
        Ok(c) => Check::pass(
            names::MANAGE,
            format!("{queue}: {} active, {} dead-lettered, {} scheduled", c.active, c.dead_letter, c.scheduled),
        ),
        Err(e) => {
            let fix = match e.kind {
                // Only a reason naming the Manage claim means "needs Manage" (#10 item 4).
                ErrorKind::Unauthorized if !needs_manage(&e) => key_refused_fix(
                    counts_policy,
                    if cfg.manage_connection.is_some() { MANAGE_CONNECTION_STRING_ENV } else { CONNECTION_STRING_ENV },
                ),
                ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } if cfg.manage_connection.is_some() => format!(
                    "policy {counts_policy} (${MANAGE_CONNECTION_STRING_ENV}) needs Manage rights to read counts: \
                     use the keda-manage policy's connection string"
                ),
                ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } => format!(
                    "policy {policy} needs Manage rights to read counts (KEDA's TriggerAuthentication needs them too): \
                     export {MANAGE_CONNECTION_STRING_ENV} with a Manage policy's connection string (sends keep {policy}), \
                     or use a policy with Manage"
                ),
                ErrorKind::NotFound => format!("create queue {queue} (scripts/azure-up.sh) or pass --queue"),
                ErrorKind::Unreachable | ErrorKind::Timeout => {
                    "check the network: counts use HTTPS 443 to the namespace (or --management-url)".into()
                }
                _ => "retry; `kedatui queue` shows the full reason".into(),
            };
            Check::fail(names::MANAGE, e.message, fix)
        }
    });
}

/// The fix when Service Bus refused the key itself (wrong key, rotated key, wrong policy name).
fn key_refused_fix(policy: &str, env: &str) -> String {
    format!(
        "the key of policy {policy} (${env}) was refused: copy the connection string again \
         (scripts/deploy.sh prints the commands); the key may have been rotated or the policy name is wrong"
    )
}

/// The checks so far, each handed to `on_check` as it is made (`doctor` prints it at once).
struct Checks<'a> {
    done: Vec<Check>,
    on_check: &'a mut (dyn FnMut(&Check) + Send),
}

impl Checks<'_> {
    fn push(&mut self, check: Check) {
        (self.on_check)(&check);
        self.done.push(check);
    }

    fn extend(&mut self, checks: impl IntoIterator<Item = Check>) {
        for check in checks {
            self.push(check);
        }
    }
}

/// The cluster-side checks, in order.
pub async fn cluster_checks(args: &ClusterArgs) -> Vec<Check> {
    cluster_checks_streamed(args, &mut |_| {}).await
}

/// [`cluster_checks`], handing each to `on_check` as soon as it is made.
pub async fn cluster_checks_streamed(
    args: &ClusterArgs,
    on_check: &mut (dyn FnMut(&Check) + Send),
) -> Vec<Check> {
    let mut checks = Checks {
        done: Vec::new(),
        on_check,
    };
    cluster_checks_into(args, &mut checks).await;
    checks.done
}

async fn cluster_checks_into(args: &ClusterArgs, checks: &mut Checks<'_>) {
    let ns = args.namespace.as_str();
    let rest = [
        names::NAMESPACE,
        names::CRDS,
        names::SCALED_OBJECT,
        names::DEPLOYMENT,
        names::HPA,
        names::RBAC,
    ];

    // Reachable.
    let connected = match args.kube_config().await {
        Err(e) => Err((
            e.message,
            "pass --kubeconfig/--context, or set KUBECONFIG; `kubectl cluster-info` must work",
        )),
        Ok(config) => {
            let url = config.cluster_url.to_string();
            let exec = config.auth_info.exec.is_some();
            match args.build_client(config).await {
                Err(e) if exec => Err((
                    e.message,
                    "sign in through the plugin (`kubectl get ns` shows its prompt), then run \
                     `kedatui doctor` again",
                )),
                Err(e) => Err((
                    e.message,
                    "check the kubeconfig's server, certificates and proxy settings",
                )),
                Ok(client) => match timed(client.apiserver_version()).await {
                    Ok(v) => Ok((client, format!("Kubernetes {} at {url}", v.git_version))),
                    Err(e) => {
                        let err = explain(e, Access::namespaces(ns));
                        let fix = fix_for(
                            &err,
                            "is the cluster running and the VPN/network up? `kubectl cluster-info` must work",
                        );
                        checks.push(Check::fail(
                            names::REACHABLE,
                            format!("{} ({url})", err.message),
                            fix,
                        ));
                        Err((String::new(), ""))
                    }
                },
            }
        }
    };
    let client = match connected {
        Ok((client, detail)) => {
            checks.push(Check::pass(names::REACHABLE, detail));
            client
        }
        Err((message, fix)) => {
            if !message.is_empty() {
                checks.push(Check::fail(names::REACHABLE, message, fix));
            }
            checks.extend(
                rest.iter()
                    .map(|n| Check::skip(n, "skipped: the cluster is not reachable")),
            );
            return;
        }
    };

    // Namespace.
    checks.push(match timed(Api::<Namespace>::all(client.clone()).get(ns)).await {
        Ok(_) => Check::pass(names::NAMESPACE, ns),
        // A 404 that names no object: the server has no Namespaces API at all (a generic API
        // server), so there is no Namespace to create.
        Err(Ok(kube::Error::Api(s)))
            if s.code == 404 && s.details.as_ref().is_none_or(|d| d.name.is_empty()) =>
        {
            Check::pass(
                names::NAMESPACE,
                format!("{ns} (not verifiable: this API server does not serve namespaces; the checks below read it)"),
            )
        }
        Err(e) => {
            let err = explain(e, Access::namespaces(ns));
            match err.kind {
                ErrorKind::NotFound => Check::fail(
                    names::NAMESPACE,
                    format!("namespace {ns} not found"),
                    format!("scripts/deploy.sh (or kubectl apply -k yaml/) creates {ns}; or pass -n with the demo's namespace"),
                ),
                // kedatui's Role is namespaced; reading Namespaces needs a ClusterRole it does not ask for.
                ErrorKind::Forbidden { .. } => Check::pass(
                    names::NAMESPACE,
                    format!("{ns} (not verifiable: get namespaces is not granted; the checks below read it)"),
                ),
                _ => Check::fail(names::NAMESPACE, err.message.clone(), fix_for(&err, "retry; `kubectl get ns` must work")),
            }
        }
    });

    // KEDA's CRDs, through discovery (allowed to every authenticated user).
    let crds_ok = match timed(client.list_api_group_resources("keda.sh/v1alpha1")).await {
        Ok(list) => {
            let mut served: Vec<&str> = list
                .resources
                .iter()
                .map(|r| r.name.as_str())
                .filter(|n| !n.contains('/'))
                .collect();
            served.sort();
            if served.contains(&"scaledobjects") {
                checks.push(Check::pass(
                    names::CRDS,
                    format!("keda.sh/v1alpha1: {}", served.join(", ")),
                ));
                true
            } else {
                let err = keda_not_installed();
                checks.push(Check::fail(
                    names::CRDS,
                    err.message.clone(),
                    fix_for(&err, ""),
                ));
                false
            }
        }
        Err(e) => {
            let mut err = explain(e, Access::scaled_objects("list", ns, None));
            if err.kind == ErrorKind::NotFound {
                err = keda_not_installed();
            }
            checks.push(Check::fail(
                names::CRDS,
                err.message.clone(),
                fix_for(&err, "retry"),
            ));
            false
        }
    };

    // ScaledObject → Deployment, HPA.
    let so_name = args.scaledobject.as_str();
    let mut deployment = kedatui_core::model::names::DEPLOYMENT.to_string();
    let mut hpa = format!("keda-hpa-{so_name}");
    if crds_ok {
        let got = timed(Api::<ScaledObject>::namespaced(client.clone(), ns).get(so_name)).await;
        checks.push(match got {
            Ok(so) => {
                if let Ok(d) = deployment_name(&so) {
                    deployment = d;
                }
                hpa = hpa_name(&so);
                let view = scaled_object_view(&so);
                let ready = view.conditions.iter().find(|c| c.type_ == "Ready");
                match ready {
                    Some(c) if c.status == "True" => Check::pass(
                        names::SCALED_OBJECT,
                        format!(
                            "{ns}/{so_name} → {} (queue {}, messageCount {}, {}–{} replicas)",
                            view.target_name, view.queue_name, view.message_count, view.min_replicas, view.max_replicas
                        ),
                    ),
                    other => Check::fail(
                        names::SCALED_OBJECT,
                        match other {
                            Some(c) => format!("{ns}/{so_name} is not Ready: {} {}: {}", c.status, c.reason, c.message),
                            None => format!("{ns}/{so_name} has no Ready condition yet (is the KEDA operator running?)"),
                        },
                        format!(
                            "kubectl describe scaledobject {so_name} -n {ns}; check the TriggerAuthentication, the Secret and the keda-operator logs"
                        ),
                    ),
                }
            }
            Err(e) => {
                let err = explain(e, Access::scaled_objects("get", ns, Some(so_name)));
                let fix = fix_for(&err, &format!("scripts/deploy.sh (or kubectl apply -k yaml/) creates ScaledObject {so_name} in {ns}; or pass --scaledobject"));
                Check::fail(names::SCALED_OBJECT, err.message.clone(), fix)
            }
        });
    } else {
        checks.push(Check::skip(
            names::SCALED_OBJECT,
            "skipped: KEDA's CRDs are missing",
        ));
    }

    checks.push(
        match timed(Api::<Deployment>::namespaced(client.clone(), ns).get(&deployment)).await {
            Ok(d) => {
                let view = deployment_view(&d);
                let selector = d
                    .spec
                    .as_ref()
                    .map(|s| selector_string(&s.selector))
                    .transpose()
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                Check::pass(
                    names::DEPLOYMENT,
                    format!(
                        "{deployment}: {}/{} ready, pods {selector}",
                        view.ready_replicas, view.spec_replicas
                    ),
                )
            }
            Err(e) => {
                let err = explain(e, Access::deployments("get", ns, Some(&deployment)));
                let fix = fix_for(
                    &err,
                    &format!("scripts/deploy.sh (or kubectl apply -k yaml/) creates Deployment {deployment} in {ns}"),
                );
                Check::fail(names::DEPLOYMENT, err.message.clone(), fix)
            }
        },
    );

    checks.push(match timed(Api::<HorizontalPodAutoscaler>::namespaced(client.clone(), ns).get(&hpa)).await {
        Ok(h) => {
            let (min, max) = h.spec.as_ref().map_or((1, 0), |s| (s.min_replicas.unwrap_or(1), s.max_replicas));
            Check::pass(names::HPA, format!("{hpa}: {min}–{max} replicas"))
        }
        Err(e) => {
            let err = explain(e, Access::hpas("get", ns, Some(&hpa)));
            let fix = fix_for(
                &err,
                "KEDA creates the HPA once the ScaledObject is Ready: fix the ScaledObject, then check the keda-operator logs",
            );
            Check::fail(names::HPA, err.message.clone(), fix)
        }
    });

    checks.extend(rbac_check(&client, ns, crds_ok).await);
}

/// List and watch every kind the console follows, as the watchers will. Events are optional:
/// an API server that does not serve them gets a warning, as the console's events panel says.
async fn rbac_check(client: &Client, ns: &str, keda: bool) -> Vec<Check> {
    let lp = ListParams::default().limit(1);
    let wp = WatchParams::default().timeout(1);
    macro_rules! probe {
        ($kind:ty, $access:expr) => {{
            let api = Api::<$kind>::namespaced(client.clone(), ns);
            if let Err(e) = timed(api.list(&lp)).await {
                return Err(explain(e, $access("list")));
            }
            if let Err(e) = timed(api.watch(&wp, "0")).await {
                return Err(explain(e, $access("watch")));
            }
        }};
    }
    // Ok(whether Events are served), or the first denial.
    let probed = async {
        probe!(Pod, |v| Access::pods(v, ns));
        probe!(Deployment, |v| Access::deployments(v, ns, None));
        probe!(HorizontalPodAutoscaler, |v| Access::hpas(v, ns, None));
        if keda {
            probe!(ScaledObject, |v| Access::scaled_objects(v, ns, None));
        }
        let events = Api::<KubeEvent>::namespaced(client.clone(), ns);
        match timed(events.list(&lp)).await {
            // No retry brings an API the server does not serve.
            Err(Ok(kube::Error::Api(s))) if s.code == 404 => return Ok(false),
            Err(e) => return Err(explain(e, Access::events("list", ns))),
            Ok(_) => {}
        }
        if let Err(e) = timed(events.watch(&wp, "0")).await {
            return Err(explain(e, Access::events("watch", ns)));
        }
        Ok(true)
    }
    .await;
    match probed {
        Ok(true) => vec![Check::pass(
            names::RBAC,
            format!(
                "list+watch pods, deployments, horizontalpodautoscalers, scaledobjects, events in {ns}"
            ),
        )],
        Ok(false) => vec![
            Check::pass(
                names::RBAC,
                format!(
                    "list+watch pods, deployments, horizontalpodautoscalers, scaledobjects in {ns}"
                ),
            ),
            Check::warn(names::EVENTS_NOT_SERVED, "the events panel stays empty"),
        ],
        Err(err) => {
            let fix = fix_for(&err, "retry");
            vec![Check::fail(names::RBAC, err.message.clone(), fix)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_passes_only_when_every_check_passes() {
        let pass = Check::pass("a", "fine");
        let fail = Check::fail("b", "broken", "do this");
        let skip = Check::skip("c", "skipped: b failed");
        assert!(Report::new(vec![pass.clone()]).ok);
        assert!(
            !Report::new(vec![pass.clone(), skip.clone()]).ok,
            "a skipped check is not a pass"
        );
        let report = Report::new(vec![pass, fail, skip]);
        assert!(!report.ok);
        assert_eq!(
            report.render_text(),
            "✔ a: fine\n✘ b: broken\n    fix: do this\n- c: skipped: b failed\n2 of 3 checks did not pass\n"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["checks"][1]["outcome"], "fail");
        assert_eq!(json["checks"][1]["fix"], "do this");
        assert!(json["checks"][0].get("fix").is_none());

        // A warning is said, and is no failure.
        let warned = Report::new(vec![Check::pass("a", "fine"), Check::warn("w", "optional")]);
        assert!(warned.ok);
        assert_eq!(
            warned.render_text(),
            "✔ a: fine\n⚠ w: optional\nall 1 checks passed (1 warning above): ready for the stage\n"
        );
        assert_eq!(
            serde_json::to_value(&warned).unwrap()["checks"][1]["outcome"],
            "warn"
        );
    }
}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub queue: crate::args::queue::QueueArgs,
    /// Print the results as JSON (`{"ok": bool, "checks": [{name, outcome, detail, fix}]}`).
    #[arg(long)]
    pub json: bool,
}

/// Every check, queue side (Service Bus or RabbitMQ) then cluster side.
pub async fn doctor_report(args: &DoctorArgs) -> Report {
    doctor_report_streamed(args, &mut |_| {}).await
}

/// [`doctor_report`], handing each check to `on_check` as soon as it is made: the queue's
/// checks, then the cluster's.
pub async fn doctor_report_streamed(
    args: &DoctorArgs,
    on_check: &mut (dyn FnMut(&Check) + Send),
) -> Report {
    let mut checks = match args.queue.resolve() {
        Ok(Some(Queue::RabbitMq(cfg))) => rabbitmq::checks_streamed(Ok(cfg), on_check).await,
        Err(crate::args::queue::QueueConfigError::ServiceBus(e)) => {
            servicebus_checks_streamed(Err(e), on_check).await
        }
        Err(e) if args.queue.scaler_flag() != Some(kedatui_core::queue::Scaler::ServiceBus) => {
            rabbitmq::checks_streamed(Err(e.to_string()), on_check).await
        }
        Ok(None) if args.queue.scaler_flag() == Some(kedatui_core::queue::Scaler::RabbitMq) => {
            let e = crate::args::queue::QueueConfigError::NoRabbitMq;
            rabbitmq::checks_streamed(Err(e.to_string()), on_check).await
        }
        Ok(Some(Queue::ServiceBus(cfg))) => {
            servicebus_checks_streamed(Ok(Some(cfg)), on_check).await
        }
        _ => servicebus_checks_streamed(args.queue.servicebus.resolve(), on_check).await,
    };
    checks.extend(cluster_checks_streamed(&args.cluster, on_check).await);
    Report::new(checks)
}

/// Exit 0 only if every check passed, 1 otherwise. The text report is printed line by line as
/// the checks finish (a slow network or a waiting exec plugin never leaves the screen blank);
/// `--json` prints one document at the end.
pub fn run_doctor(args: DoctorArgs) -> color_eyre::Result<ExitCode> {
    use std::io::Write as _;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let json = args.json;
    let mut print_check = |check: &Check| {
        if !json {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(Report::render_check(check).as_bytes());
            let _ = out.flush();
        }
    };
    let report = runtime.block_on(doctor_report_streamed(&args, &mut print_check));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_summary());
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
