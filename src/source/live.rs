//! Live mode: which world the console shows (live when a queue, Service Bus or RabbitMQ, is
//! configured, the simulator otherwise), starting the live sources, and the Wi-Fi fallback to
//! the simulator.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc::{self, UnboundedSender};

use super::sim::SimDriver;
use super::{Sources, clock, live_queue_accepts, simulator_accepts};
use crate::args::cluster::ClusterArgs;
use crate::args::queue::{QueueArgs, QueueConfigError, QueueEnv};
use crate::args::servicebus::{ServiceBusArgs, ServiceBusEnv};
use crate::event::{ErrorKind, Event, Health, SourceError, SourceEvent, SourceKind};
use kedatui_core::kube::{ClusterConfig, run_cluster_source};
use kedatui_core::queue::{Queue, Scaler};
use kedatui_core::rabbitmq::RABBITMQ_URL_ENV;
use kedatui_core::servicebus::CONNECTION_STRING_ENV;
use kedatui_core::servicebus::ConnectionStringError;
use kedatui_core::sim::fallback::FallbackSeed;
use kedatui_core::sim::{SimConfig, World};

/// Live mode's clock: often enough for the header clock and the pod flash.
pub const WALL_TICK: Duration = Duration::from_millis(200);

/// What the console runs.
#[derive(Debug)]
pub enum Setup {
    Simulator,
    Live(Box<LiveConfig>),
}

pub use crate::args::servicebus::ENTRA_SIGN_IN_TIMEOUT;

/// The header's `Entra: <identity>` for a keyless Service Bus connection (`None` with keys, and
/// for brokers without Entra ID).
pub fn sign_in_label(queue: &Queue) -> Option<String> {
    let Queue::ServiceBus(servicebus) = queue else {
        return None;
    };
    let auth = servicebus.connection.entra.as_ref()?;
    Some(
        auth.identity()
            .unwrap_or_else(|| "not signed in (see the Service Bus health)".into()),
    )
}

/// Everything live mode connects to.
#[derive(Debug)]
pub struct LiveConfig {
    pub queue: Queue,
    /// The cluster, or why there is none: the queue side works without it.
    pub cluster: Result<ClusterConfig, SourceError>,
}

/// Bad input found before the terminal is touched (exit code 2). The text never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// Live when a connection string is configured (`env` holds `$SERVICEBUS_CONNECTION_STRING` and
/// `$SERVICEBUS_MANAGE_CONNECTION_STRING`; or the `--…-file` flags), the simulator otherwise or
/// with `force_simulator`.
/// A malformed connection string, or a cluster the user named explicitly (`--kubeconfig`,
/// `--context`) that cannot be configured, is bad input. Without either flag a missing cluster
/// configuration only leaves the cluster side down.
pub async fn resolve(
    force_simulator: bool,
    queue_args: &QueueArgs,
    env: QueueEnv,
    cluster: &ClusterArgs,
) -> Result<Setup, SetupError> {
    if force_simulator {
        return Ok(Setup::Simulator);
    }
    let servicebus = &queue_args.servicebus;
    let resolved = queue_args.resolve_env(env.clone());
    // Both brokers configured and no flag: the ScaledObject's trigger decides, below.
    let both = matches!(resolved, Err(QueueConfigError::BothConfigured));
    let queue = match resolved {
        _ if both => None,
        Ok(Some(cfg)) => Some(cfg),
        // A cluster named on the command line with no queue to drive it would be ignored
        // silently: the speaker would rehearse on the simulator believing it was live.
        Ok(None) if cluster.kubeconfig.is_some() || cluster.context.is_some() => {
            let flag = if cluster.kubeconfig.is_some() {
                "--kubeconfig"
            } else {
                "--context"
            };
            return Err(SetupError(format!(
                "{flag} is given but no queue is configured: live mode needs both; set \
                 {CONNECTION_STRING_ENV} (or pass --connection-string-file FILE) for Service Bus \
                 or {RABBITMQ_URL_ENV} for RabbitMQ, or drop {flag} to run the simulator"
            )));
        }
        // `--scaler` alone picks the simulator's scaler (its rehearsal), as `kedatui` alone
        // runs the simulator.
        Ok(None) => return Ok(Setup::Simulator),
        Err(QueueConfigError::ServiceBus(e)) => return Err(servicebus_error(servicebus, e)),
        Err(e) => return Err(SetupError(e.to_string())),
    };
    let explicit = cluster.kubeconfig.is_some() || cluster.context.is_some();
    let so_name = format!("{}/{}", cluster.namespace, cluster.scaledobject);
    let cluster = match cluster.client().await {
        Ok((_, cfg)) => Ok(cfg),
        // A timed-out exec plugin may still be reading the terminal: the TUI must not start.
        Err(e) if explicit || e.kind == ErrorKind::Timeout => {
            return Err(SetupError(format!("cluster: {e}")));
        }
        Err(e) => Err(SourceError {
            kind: ErrorKind::Unreachable,
            message: format!("{e} (pass --kubeconfig/--context; the queue side works without)"),
        }),
    };
    let triggers = match &cluster {
        Ok(cfg) => scaled_object_triggers(cfg).await,
        Err(_) => Vec::new(),
    };
    let trigger_types: Vec<String> = triggers.iter().map(|t| t.type_.clone()).collect();
    let configured = queue.as_ref().map(Queue::scaler);
    let mut queue = match pick_scaler(
        queue_args.scaler_flag(),
        configured,
        &trigger_types,
        &so_name,
    )
    .map_err(SetupError)?
    {
        Some(scaler) => match queue_args.with_scaler(scaler).resolve_env(env) {
            Ok(Some(q)) => q,
            Ok(None) => {
                return Err(SetupError(format!(
                    "ScaledObject {so_name} scales on a `{}` trigger, but no {} is configured: {}",
                    scaler.trigger_type(),
                    scaler.label(),
                    match scaler {
                        Scaler::RabbitMq => QueueConfigError::NoRabbitMq.to_string(),
                        Scaler::ServiceBus => format!("set {CONNECTION_STRING_ENV}"),
                    }
                )));
            }
            Err(QueueConfigError::ServiceBus(e)) => return Err(servicebus_error(servicebus, e)),
            Err(e) => return Err(SetupError(e.to_string())),
        },
        None => match queue {
            Some(q) => q,
            None => return Err(SetupError(QueueConfigError::BothConfigured.to_string())),
        },
    };
    // Counts read as KEDA reads them for this trigger (RabbitMQ: its `protocol`).
    if let Some(trigger) = triggers
        .iter()
        .find(|t| Scaler::from_trigger_type(&t.type_) == Some(queue.scaler()))
    {
        queue.follow_trigger(trigger);
    }
    if let Queue::ServiceBus(sb) = &queue
        && let Some(auth) = &sb.connection.entra
    {
        // Sign in before the terminal is taken, so the header can name the identity; a failure
        // here is not bad input: the Service Bus source reports it as its health.
        if let Ok(Err(e)) = tokio::time::timeout(ENTRA_SIGN_IN_TIMEOUT, auth.token()).await {
            tracing::warn!("Entra ID sign-in: {e}");
        }
    }
    Ok(Setup::Live(Box::new(LiveConfig { queue, cluster })))
}

/// How long the start-up look at the ScaledObject's triggers may take.
const TRIGGER_LOOKUP: Duration = Duration::from_secs(5);

/// The watched ScaledObject's triggers, or none when it cannot be read now (missing,
/// forbidden, unreachable: the watchers report that on screen).
async fn scaled_object_triggers(cfg: &ClusterConfig) -> Vec<kedatui_core::crd::ScaleTrigger> {
    let api: kube::Api<kedatui_core::crd::ScaledObject> =
        kube::Api::namespaced(cfg.client.clone(), &cfg.namespace);
    match tokio::time::timeout(TRIGGER_LOOKUP, api.get_opt(&cfg.scaled_object)).await {
        Ok(Ok(Some(so))) => so.spec.triggers,
        Ok(Ok(None)) => Vec::new(),
        Ok(Err(e)) => {
            tracing::info!("reading the ScaledObject's triggers: {e}");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}

/// Which scaler live mode uses, given the `--scaler` flag, the queue the settings picked
/// (`None`: both brokers are configured) and the ScaledObject's trigger types. `Ok(None)`: the
/// one configured; `Ok(Some(s))`: switch to `s`, the ScaledObject's; `Err`: a mismatch, which
/// would show a queue KEDA does not read.
pub fn pick_scaler(
    flag: Option<Scaler>,
    configured: Option<Scaler>,
    triggers: &[String],
    so: &str,
) -> Result<Option<Scaler>, String> {
    let Some(wanted) = triggers.iter().find_map(|t| Scaler::from_trigger_type(t)) else {
        return Ok(None);
    };
    match (flag, configured) {
        (_, Some(c)) if c == wanted => Ok(None),
        (Some(f), _) => Err(format!(
            "--scaler {} is given, but ScaledObject {so} scales on a `{}` trigger: the console \
             would show a queue KEDA does not read; drop --scaler, or watch another ScaledObject \
             (--namespace, --scaledobject)",
            f.flag(),
            wanted.trigger_type()
        )),
        (None, _) => Ok(Some(wanted)),
    }
}

/// A Service Bus setting that cannot be used, naming where it came from.
fn servicebus_error(servicebus: &ServiceBusArgs, e: ConnectionStringError) -> SetupError {
    match e {
        // These name their own source (the manage string, or both strings).
        e @ (ConnectionStringError::Manage { .. }
        | ConnectionStringError::EmptyVariable { .. }
        | ConnectionStringError::NamespaceMismatch { .. }
        | ConnectionStringError::ManageQueueMismatch { .. }
        | ConnectionStringError::ManageWithoutConnection { .. }
        | ConnectionStringError::BadNamespace { .. }
        | ConnectionStringError::BothSignIns) => SetupError(e.to_string()),
        e => SetupError(format!(
            "{e} (from {})",
            servicebus.connection_string_file.as_ref().map_or_else(
                || format!("${CONNECTION_STRING_ENV}"),
                |p| { format!("--connection-string-file {}", p.display()) }
            )
        )),
    }
}

/// `--lab` brings its own loopback Service Bus: `--sim` contradicts it, and a Service Bus the
/// user configured would be replaced without a word (the speaker would believe it was theirs).
/// Refused before anything starts (exit 2).
pub fn check_lab_flags(
    force_simulator: bool,
    queue: &QueueArgs,
    env: &QueueEnv,
) -> Result<(), SetupError> {
    let (servicebus, rabbitmq) = (&queue.servicebus, &queue.rabbitmq);
    let sb_env: &ServiceBusEnv = &env.servicebus;
    use kedatui_core::servicebus::MANAGE_CONNECTION_STRING_ENV;
    use kedatui_servicebus::entra::FULLY_QUALIFIED_NAMESPACE_ENV;
    if force_simulator {
        return Err(SetupError(
            "--lab and --sim contradict each other: --lab watches the lab in live mode, --sim \
             runs the simulator; drop one"
                .into(),
        ));
    }
    let configured = [
        (
            servicebus.connection_string_file.is_some(),
            "--connection-string-file",
        ),
        (
            servicebus.manage_connection_string_file.is_some(),
            "--manage-connection-string-file",
        ),
        (sb_env.connection_string.is_some(), CONNECTION_STRING_ENV),
        (
            sb_env.manage_connection_string.is_some(),
            MANAGE_CONNECTION_STRING_ENV,
        ),
        (
            servicebus.fully_qualified_namespace.is_some(),
            FULLY_QUALIFIED_NAMESPACE_ENV,
        ),
        (
            servicebus.management_url.is_some(),
            "--management-url ($SERVICEBUS_MANAGEMENT_URL)",
        ),
        (env.rabbitmq_url.is_some(), RABBITMQ_URL_ENV),
        (rabbitmq.rabbitmq_url_file.is_some(), "--rabbitmq-url-file"),
    ];
    match configured.iter().find(|(set, _)| *set) {
        Some((_, what)) => Err(SetupError(format!(
            "--lab uses its own loopback broker, but {what} is set too: unset it for the lab, \
             or drop --lab to use that broker"
        ))),
        None => Ok(()),
    }
}

/// The simulator shows the names given on the command line (`--queue`, `-n`, `--scaledobject`)
/// instead of the demo's: nothing connects, but the header reads as the speaker's own set-up.
/// `--selector` has nothing to select in the simulator and is refused (exit 2).
pub fn name_the_simulator(
    names: &mut kedatui_core::sim::config::SimNames,
    servicebus: &ServiceBusArgs,
    cluster: &ClusterArgs,
) -> Result<(), SetupError> {
    // Reached with `--sim` (without it, resolve refuses a lone --kubeconfig/--context).
    if let Some(flag) = [
        (cluster.kubeconfig.is_some(), "--kubeconfig"),
        (cluster.context.is_some(), "--context"),
    ]
    .iter()
    .find_map(|(set, flag)| set.then_some(flag))
    {
        return Err(SetupError(format!(
            "{flag} names a live cluster, but --sim runs the simulator: drop {flag} or --sim"
        )));
    }
    if cluster.selector.is_some() {
        return Err(SetupError(format!(
            "--selector picks pods of a live cluster, but the simulator runs (no Service Bus \
             is configured, or --sim): set {CONNECTION_STRING_ENV} (or pass \
             --connection-string-file FILE) for live mode, or drop --selector"
        )));
    }
    let defaults = ClusterArgs::default();
    if let Some(queue) = servicebus.queue.as_deref().map(str::trim) {
        if queue.is_empty() {
            return Err(SetupError("the queue name is empty".into()));
        }
        queue.clone_into(&mut names.queue);
    }
    // Flags with a default: only a value other than the default names something.
    if cluster.namespace != defaults.namespace {
        names.namespace.clone_from(&cluster.namespace);
    }
    if cluster.scaledobject != defaults.scaledobject {
        names.scaled_object.clone_from(&cluster.scaledobject);
    }
    Ok(())
}

/// Start the queue source, the cluster watchers and the wall clock, all sending into `events`.
/// The queue source takes the queue commands; the rest only report.
pub fn spawn_live(
    live: LiveConfig,
    events: UnboundedSender<Event>,
    sources: &mut Sources,
) -> std::io::Result<()> {
    let commands = live.queue.spawn_source(events.clone())?;
    sources.add("queue", live_queue_accepts, commands, None);
    match live.cluster {
        Ok(cfg) => sources.add_task(tokio::spawn(run_cluster_source(cfg, events.clone()))),
        Err(error) => {
            let _ = events.send(Event::Source(SourceEvent::Health {
                source: SourceKind::Cluster,
                health: Health::Down(error),
            }));
        }
    }
    sources.add_task(clock::spawn_wall_clock(events, WALL_TICK));
    Ok(())
}

/// The Wi-Fi fallback: a simulator seeded from `seed` (settings from the live ScaledObject over
/// `base`), reporting into `events` (a fresh channel, so nothing late from the live sources
/// reaches the App). Returns its sources and a warning to show, if the live settings were refused.
pub fn start_fallback(
    seed: &FallbackSeed,
    base: &SimConfig,
    rng_seed: u64,
    start: Timestamp,
    events: UnboundedSender<Event>,
) -> (Sources, Option<String>) {
    let (config, warning) = seed.sim_config(base);
    tracing::info!(
        messages = seed.active_messages,
        replicas = seed.replicas,
        ?config,
        "switching to the simulator from live numbers"
    );
    let mut world = World::from_live(config, rng_seed, start, seed.active_messages, seed.replicas);
    world.set_trickle(seed.trickle);
    let mut sources = Sources::default();
    let (commands, task) = super::sim::spawn(SimDriver::new(world, 1.0), events);
    sources.add("simulator", simulator_accepts, commands, Some(task));
    (sources, warning)
}

/// A fresh channel for the world's events (see [`start_fallback`]).
pub fn world_channel() -> (UnboundedSender<Event>, mpsc::UnboundedReceiver<Event>) {
    mpsc::unbounded_channel()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ScaledObject's trigger picks the scaler without `--scaler`, and contradicts it with.
    #[test]
    fn the_scaled_objects_trigger_picks_or_checks_the_scaler() {
        use Scaler::{RabbitMq as Mq, ServiceBus as Sb};
        let t = |types: &[&str]| types.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (flag, configured, triggers, want: Ok(switch to) or Err(part of the message))
        type Case = (
            Option<Scaler>,
            Option<Scaler>,
            Vec<String>,
            Result<Option<Scaler>, &'static str>,
        );
        let cases: [Case; 8] = [
            (None, Some(Sb), t(&[]), Ok(None)),
            (None, Some(Sb), t(&["kafka"]), Ok(None)),
            (None, Some(Sb), t(&["azure-servicebus"]), Ok(None)),
            (None, Some(Sb), t(&["rabbitmq"]), Ok(Some(Mq))),
            (None, None, t(&["cpu", "rabbitmq"]), Ok(Some(Mq))),
            (Some(Mq), Some(Mq), t(&["rabbitmq"]), Ok(None)),
            (
                Some(Sb),
                Some(Sb),
                t(&["rabbitmq"]),
                Err(
                    "--scaler servicebus is given, but ScaledObject demo/so scales on a `rabbitmq` trigger",
                ),
            ),
            (
                Some(Mq),
                Some(Mq),
                t(&["azure-servicebus"]),
                Err("`azure-servicebus` trigger"),
            ),
        ];
        for (flag, configured, triggers, want) in cases {
            let got = pick_scaler(flag, configured, &triggers, "demo/so");
            match (&got, &want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{flag:?} {configured:?} {triggers:?}"),
                (Err(e), Err(part)) => assert!(e.contains(part), "{e}"),
                _ => panic!("{flag:?} {configured:?} {triggers:?}: {got:?} vs {want:?}"),
            }
        }
    }

    /// The Service Bus flags alone, as the console's other flags leave them.
    fn sb_only(args: &ServiceBusArgs) -> QueueArgs {
        QueueArgs {
            servicebus: args.clone(),
            ..QueueArgs::default()
        }
    }

    fn with_file(text: &str) -> (tempfile::NamedTempFile, ServiceBusArgs) {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let args = ServiceBusArgs {
            connection_string_file: Some(f.path().to_owned()),
            ..ServiceBusArgs::default()
        };
        (f, args)
    }

    #[tokio::test]
    async fn mode_selection() {
        let key = testkey();
        let good = format!(
            "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key};UseDevelopmentEmulator=true"
        );
        let no_cluster = ClusterArgs {
            kubeconfig: Some("/nonexistent/kubeconfig".into()),
            ..ClusterArgs::default()
        };
        let no_flags = ClusterArgs::default();
        let only_context = ClusterArgs {
            context: Some("aks".into()),
            ..ClusterArgs::default()
        };
        let none = ServiceBusArgs::default();
        // (case, --sim, args, env, cluster, want: "sim" | "live" | error substring)
        let (_f, file_args) = with_file(&good);
        let (_g, bad_file_args) = with_file("Endpoint=nonsense");
        type Case<'a> = (
            &'a str,
            bool,
            &'a ServiceBusArgs,
            Option<String>,
            &'a ClusterArgs,
            &'a str,
        );
        let cases: Vec<Case> = vec![
            ("nothing set", false, &none, None, &no_flags, "sim"),
            (
                "empty env",
                false,
                &none,
                Some("  ".into()),
                &no_flags,
                "SERVICEBUS_CONNECTION_STRING is set but empty",
            ),
            (
                "--kubeconfig without a queue",
                false,
                &none,
                None,
                &no_cluster,
                "--kubeconfig is given but no queue is configured",
            ),
            (
                "--context without a queue",
                false,
                &none,
                None,
                &only_context,
                "--context is given but no queue is configured",
            ),
            (
                "--sim wins",
                true,
                &none,
                Some(good.clone()),
                &no_cluster,
                "sim",
            ),
            (
                "malformed env",
                false,
                &none,
                Some("Endpoint=nonsense".into()),
                &no_cluster,
                "SERVICEBUS_CONNECTION_STRING",
            ),
            (
                "malformed file",
                false,
                &bad_file_args,
                None,
                &no_cluster,
                "--connection-string-file",
            ),
            (
                "good file, explicit bad kubeconfig",
                false,
                &file_args,
                None,
                &no_cluster,
                "cluster: cannot read kubeconfig",
            ),
        ];
        for (name, force, args, env, cluster, want) in cases {
            let env = ServiceBusEnv {
                connection_string: env,
                manage_connection_string: None,
            };
            let got = resolve(force, &sb_only(args), QueueEnv::servicebus(env), cluster).await;
            match (got, want) {
                (Ok(Setup::Simulator), "sim") => {}
                (Ok(Setup::Live(_)), "live") => {}
                (Err(SetupError(msg)), w) if w != "sim" && w != "live" => {
                    assert!(msg.contains(w), "{name}: {msg}");
                    assert!(!msg.contains(&key), "{name}: the key leaked: {msg}");
                }
                (got, want) => panic!("{name}: got {got:?}, want {want}"),
            }
        }
    }

    #[tokio::test]
    async fn a_manage_connection_string_must_match_the_send_string() {
        let (send_key, manage_key) = (testkey(), testkey());
        let cs = |host: &str, rule: &str, key: &str, extra: &str| {
            format!(
                "Endpoint=sb://{host};SharedAccessKeyName={rule};SharedAccessKey={key};UseDevelopmentEmulator=true{extra}"
            )
        };
        let send = cs("127.0.0.1:1", "kedatui-send", &send_key, "");
        let manage = cs("127.0.0.1:1", "keda-manage", &manage_key, "");
        // Nothing named explicitly: a missing cluster leaves only the cluster side down.
        let cluster = ClusterArgs::default();
        let args = ServiceBusArgs::default();
        // (case, send env, manage env, want: "live" | "sim" | error substring)
        let cases: Vec<(&str, Option<String>, Option<String>, &str)> = vec![
            (
                "both, same namespace",
                Some(send.clone()),
                Some(manage.clone()),
                "live",
            ),
            ("neither", None, None, "sim"),
            (
                "manage alone",
                None,
                Some(manage.clone()),
                "no connection string to send with: set SERVICEBUS_CONNECTION_STRING",
            ),
            (
                "other namespace",
                Some(send.clone()),
                Some(cs("other.localhost", "keda-manage", &manage_key, "")),
                "the manage connection string is for sb://other.localhost:5672/ but the connection string is for sb://127.0.0.1:1/",
            ),
            (
                "another broker on the same host",
                Some(send.clone()),
                Some(cs("127.0.0.1:2", "keda-manage", &manage_key, "")),
                "both must name the same Service Bus namespace",
            ),
            (
                "scoped to another queue",
                Some(send.clone()),
                Some(cs(
                    "127.0.0.1:1",
                    "keda-manage",
                    &manage_key,
                    ";EntityPath=orders",
                )),
                "scoped to queue `orders` (EntityPath) but kedatui uses queue `kedaqueue`",
            ),
            (
                "malformed manage string",
                Some(send.clone()),
                Some(format!(
                    "SharedAccessKeyName=x;SharedAccessKey={manage_key}"
                )),
                "no Endpoint",
            ),
        ];
        for (name, send_env, manage_env, want) in cases {
            let env = ServiceBusEnv {
                connection_string: send_env,
                manage_connection_string: manage_env,
            };
            match (
                resolve(false, &sb_only(&args), QueueEnv::servicebus(env), &cluster).await,
                want,
            ) {
                (Ok(Setup::Live(live)), "live") => {
                    let Queue::ServiceBus(sb) = &live.queue else {
                        panic!("{name}: Service Bus expected");
                    };
                    assert_eq!(sb.connection.key_name, "kedatui-send", "{name}");
                    assert_eq!(sb.counts_connection().key_name, "keda-manage", "{name}");
                    assert_eq!(sb.purge_connection().key_name, "keda-manage", "{name}");
                    let debug = format!("{live:?}");
                    assert!(!debug.contains(&send_key) && !debug.contains(&manage_key));
                }
                (Ok(Setup::Simulator), "sim") => {}
                (Err(SetupError(msg)), w) if w != "sim" && w != "live" => {
                    assert!(msg.contains(w), "{name}: {msg}");
                    if name == "malformed manage string" {
                        assert!(msg.contains("SERVICEBUS_MANAGE_CONNECTION_STRING"), "{msg}");
                    }
                    assert!(
                        !msg.contains(&send_key) && !msg.contains(&manage_key),
                        "{name}: a key leaked: {msg}"
                    );
                }
                (got, want) => panic!("{name}: got {got:?}, want {want}"),
            }
        }
    }

    /// A fake key made at run time (never a real one in the repository).
    fn testkey() -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes())
    }
}
