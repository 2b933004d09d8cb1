//! The lab's broker, in one place: the loopback Service Bus of `testkit` (the default), or
//! RabbitMQ (`--scaler rabbitmq`): the lab's own private `rabbitmq-server` (its files in the
//! lab's directory, stopped with the lab), or the broker `$RABBITMQ_URL` / `--rabbitmq-url-file`
//! names. The rest of the lab reads the queue through [`Queue`] and picks by [`Scaler`]; only
//! this file knows what each broker needs (its process, its secrets, the receivers' variables,
//! the Deployment's env, the ScaledObject's trigger).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule};

use super::{Fault, LISTEN_RULE, LabConfig, MANAGE_RULE, SEND_RULE};
use crate::args::queue::{QueueArgs, QueueEnv, RabbitMqArgs, ScalerArg};
use crate::args::servicebus::{ServiceBusArgs, ServiceBusEnv};
use kedatui_core::event::ErrorKind;
use kedatui_core::model::names;
use kedatui_core::queue::{Queue, Scaler};
use kedatui_core::rabbitmq::{
    BrokerUrl, ManagementApi, RABBITMQ_MANAGEMENT_URL_ENV, RABBITMQ_URL_ENV, RabbitMqConfig,
};
use kedatui_core::servicebus::ServiceBusConfig;
use kedatui_core::sim::SimConfig;
use kedatui_servicebus::connection;

/// The user the lab's own rabbitmq-server gets, with a fresh password each run.
pub const RABBITMQ_USER: &str = "kedatui-lab";
/// Where the lab's own rabbitmq-server keeps its files, under the lab's directory.
pub const RABBITMQ_DIR: &str = "rabbitmq";
/// The lab's own broker's AMQP URL (password included), mode 0600, under the lab's directory:
/// `--rabbitmq-url-file` for `kedatui send`, `queue`, `doctor`.
pub const RABBITMQ_URL_FILE: &str = "rabbitmq-url";

/// What the user's flags and environment ask the lab to use.
#[derive(Clone, Debug, Default)]
pub enum BrokerChoice {
    /// The loopback Service Bus.
    #[default]
    ServiceBus,
    /// A private rabbitmq-server started in the lab's directory.
    OwnRabbitMq,
    /// The RabbitMQ broker the user configured (`$RABBITMQ_URL`, `--rabbitmq-url-file`).
    RabbitMq {
        config: Box<RabbitMqConfig>,
        from: String,
    },
}

/// Why `--scaler rabbitmq` cannot start its own broker here.
pub fn not_installed() -> String {
    format!(
        "the RabbitMQ lab starts its own rabbitmq-server and none is installed ({} is missing): install it (`apt-get install rabbitmq-server`) or give the lab your broker with ${RABBITMQ_URL_ENV} or --rabbitmq-url-file",
        testkit::rabbitmq::SERVER
    )
}

/// The broker for `scaler`: for RabbitMQ, the configured one (`env_url` is `$RABBITMQ_URL`), or
/// the lab's own when none is. Refused (exit 2) before anything starts: a bad URL, a management
/// URL without a broker to go with it, no rabbitmq-server to start.
pub fn choose(
    scaler: Scaler,
    rabbitmq: &RabbitMqArgs,
    env_url: Option<String>,
    queue: &str,
) -> Result<BrokerChoice, String> {
    if scaler == Scaler::ServiceBus {
        return Ok(BrokerChoice::ServiceBus);
    }
    let from = match &rabbitmq.rabbitmq_url_file {
        Some(path) => format!("--rabbitmq-url-file {}", path.display()),
        None => format!("${RABBITMQ_URL_ENV}"),
    };
    let args = QueueArgs {
        scaler: Some(ScalerArg::Rabbitmq),
        servicebus: ServiceBusArgs {
            queue: Some(queue.to_owned()),
            count_interval: Duration::from_secs(1),
            ..ServiceBusArgs::default()
        },
        rabbitmq: rabbitmq.clone(),
    };
    let env = QueueEnv {
        servicebus: ServiceBusEnv::default(),
        rabbitmq_url: env_url,
    };
    match args.resolve_env(env).map_err(|e| e.to_string())? {
        Some(Queue::RabbitMq(config)) => Ok(BrokerChoice::RabbitMq {
            config: Box::new(config),
            from,
        }),
        Some(Queue::ServiceBus(_)) => unreachable!("--scaler rabbitmq resolves to RabbitMQ"),
        None if rabbitmq.rabbitmq_management_url.is_some() => Err(
            "--rabbitmq-management-url ($RABBITMQ_MANAGEMENT_URL) names the management API of your broker, but no broker is given ($RABBITMQ_URL or --rabbitmq-url-file): unset it for the lab's own rabbitmq-server".into(),
        ),
        None if testkit::rabbitmq::installed() => Ok(BrokerChoice::OwnRabbitMq),
        None => Err(not_installed()),
    }
}

/// `kedatui --lab`: the broker the console's flags pick. Service Bus: the lab's loopback one,
/// and nothing of the user's may be set (`live::check_lab_flags`). RabbitMQ: no Service Bus
/// setting may be set; a RabbitMQ URL, if configured, is the broker the lab uses.
pub fn console_broker(
    force_simulator: bool,
    queue: &QueueArgs,
    env: &QueueEnv,
    queue_name: &str,
) -> Result<BrokerChoice, String> {
    let scaler = queue.scaler_flag().unwrap_or_default();
    // For RabbitMQ the RabbitMQ settings are the lab's to use: only the rest is checked.
    let (checked, checked_env) = match scaler {
        Scaler::ServiceBus => (queue.clone(), env.clone()),
        Scaler::RabbitMq => (
            QueueArgs {
                rabbitmq: RabbitMqArgs::default(),
                ..queue.clone()
            },
            QueueEnv {
                rabbitmq_url: None,
                ..env.clone()
            },
        ),
    };
    crate::source::live::check_lab_flags(force_simulator, &checked, &checked_env)
        .map_err(|e| e.to_string())?;
    choose(
        scaler,
        &queue.rabbitmq,
        env.rabbitmq_url.clone(),
        queue_name,
    )
}

/// `kedatui lab --scaler rabbitmq` with `--amqp-port`/`--http-port`: those are the loopback
/// Service Bus's ports, refused rather than ignored.
pub fn check_ports(choice: &BrokerChoice, amqp_port: u16, http_port: u16) -> Result<(), String> {
    match choice {
        BrokerChoice::ServiceBus => Ok(()),
        _ if amqp_port != 0 || http_port != 0 => Err("--amqp-port and --http-port are the loopback Service Bus's ports: with --scaler rabbitmq leave them out (the lab's own rabbitmq-server takes free loopback ports)".into()),
        _ => Ok(()),
    }
}

/// How to reach the lab's broker: what the console, the controller ("KEDA") and the receivers
/// use. Holds secrets; no `Debug`.
#[derive(Clone)]
pub enum Endpoints {
    ServiceBus {
        /// Send only: what the console's bursts use.
        send: String,
        /// Listen only: what the receivers use.
        listen: String,
        /// Manage: counts and purge (and KEDA's scaler).
        manage: String,
        management_url: String,
    },
    RabbitMq {
        config: RabbitMqConfig,
        /// The lab's own broker: its directory and the URL file; `None` for the user's broker.
        own: Option<(PathBuf, PathBuf)>,
        /// Where the user's broker came from (`$RABBITMQ_URL`, `--rabbitmq-url-file …`).
        from: String,
    },
}

impl Endpoints {
    pub fn scaler(&self) -> Scaler {
        match self {
            Endpoints::ServiceBus { .. } => Scaler::ServiceBus,
            Endpoints::RabbitMq { .. } => Scaler::RabbitMq,
        }
    }

    /// For the banner: what the lab runs its loop over.
    pub fn describe(&self) -> &'static str {
        match self {
            Endpoints::ServiceBus { .. } => "a loopback Service Bus",
            Endpoints::RabbitMq { own: Some(_), .. } => "its own rabbitmq-server",
            Endpoints::RabbitMq { own: None, .. } => "your RabbitMQ broker",
        }
    }

    /// The queue as KEDA's scaler reads it (the Manage rule; RabbitMQ's management API).
    pub fn queue(&self, queue: &str) -> Result<Queue, String> {
        match self {
            Endpoints::ServiceBus {
                manage,
                management_url,
                ..
            } => {
                let manage = connection::parse(manage)
                    .map_err(|e| format!("the lab's manage string: {e}"))?;
                let mut config = ServiceBusConfig::new(manage, queue);
                config.management_url =
                    url::Url::parse(management_url).map_err(|e| e.to_string())?;
                Ok(Queue::ServiceBus(config))
            }
            Endpoints::RabbitMq { config, .. } => Ok(Queue::RabbitMq(config.clone())),
        }
    }

    /// The receivers' broker variables (the Listen rule, or the RabbitMQ URL).
    pub fn receiver_vars(&self) -> Vec<(String, String)> {
        match self {
            Endpoints::ServiceBus { listen, .. } => {
                vec![("SERVICEBUS_CONNECTION_STRING".into(), listen.clone())]
            }
            Endpoints::RabbitMq { config, .. } => {
                vec![(RABBITMQ_URL_ENV.into(), config.url.client_uri())]
            }
        }
    }

    /// `kedatui --lab`: the console's queue flags and secrets for this broker (`base` keeps the
    /// console's other queue flags).
    pub fn console(&self, base: &QueueArgs) -> (QueueArgs, QueueEnv) {
        match self {
            Endpoints::ServiceBus {
                send,
                manage,
                management_url,
                ..
            } => (
                QueueArgs {
                    scaler: Some(ScalerArg::Servicebus),
                    servicebus: ServiceBusArgs {
                        connection_string_file: None,
                        manage_connection_string_file: None,
                        management_url: Some(management_url.clone()),
                        ..base.servicebus.clone()
                    },
                    rabbitmq: Default::default(),
                },
                QueueEnv {
                    servicebus: ServiceBusEnv {
                        connection_string: Some(send.clone()),
                        manage_connection_string: Some(manage.clone()),
                    },
                    rabbitmq_url: None,
                },
            ),
            Endpoints::RabbitMq { config, .. } => (
                QueueArgs {
                    scaler: Some(ScalerArg::Rabbitmq),
                    servicebus: ServiceBusArgs {
                        queue: Some(config.queue.clone()),
                        ..base.servicebus.clone()
                    },
                    rabbitmq: RabbitMqArgs {
                        rabbitmq_url_file: None,
                        rabbitmq_management_url: Some(config.management.url().to_string()),
                    },
                },
                QueueEnv {
                    servicebus: ServiceBusEnv::default(),
                    rabbitmq_url: Some(config.url.client_uri()),
                },
            ),
        }
    }

    /// `kedatui lab`'s lines about the broker, before the kubeconfig's.
    pub fn describe_lines(&self) -> String {
        match self {
            Endpoints::ServiceBus {
                send,
                listen,
                manage,
                management_url,
            } => {
                let mut s = String::new();
                let rules = [
                    (SEND_RULE, "send", send),
                    (LISTEN_RULE, "listen", listen),
                    (MANAGE_RULE, "manage,send,listen", manage),
                ];
                for (name, rights, cs) in rules {
                    s.push_str(&format!("# rule {name}: {rights}\n{cs}\n"));
                }
                s.push_str(&format!("management URL: {management_url}\n"));
                s
            }
            Endpoints::RabbitMq { config, own, from } => match own {
                Some((dir, url_file)) => format!(
                    "rabbitmq-server: amqp://{} (user {RABBITMQ_USER}), management API {}; its files in {}\nURL file: {}\n",
                    config.url.host_port(),
                    config.management,
                    dir.display(),
                    url_file.display()
                ),
                None => format!(
                    "RabbitMQ: your broker from {from} ({}, management API {})\n",
                    config.url, config.management
                ),
            },
        }
    }

    /// `kedatui lab`'s `export` lines, and the flags the printed commands need.
    pub fn exports(&self) -> (String, &'static str) {
        match self {
            Endpoints::ServiceBus {
                send,
                manage,
                management_url,
                ..
            } => (
                format!(
                    "  export SERVICEBUS_CONNECTION_STRING='{send}'\n  export SERVICEBUS_MANAGE_CONNECTION_STRING='{manage}'\n  export SERVICEBUS_MANAGEMENT_URL={management_url}\n"
                ),
                "",
            ),
            // The lab's own broker's per-run password, as the loopback Service Bus's keys are
            // printed; the user's broker's URL is theirs already, and never printed.
            Endpoints::RabbitMq {
                config,
                own: Some(_),
                ..
            } => {
                // The same user: kedatui takes RABBITMQ_URL's credentials for it.
                let mut management = config.management.url().clone();
                let _ = management.set_username("");
                let _ = management.set_password(None);
                (
                    format!(
                        "  export {RABBITMQ_URL_ENV}='{}'\n  export {RABBITMQ_MANAGEMENT_URL_ENV}={management}\n",
                        config.url.client_uri()
                    ),
                    " --scaler rabbitmq",
                )
            }
            Endpoints::RabbitMq { own: None, .. } => (
                "  (your RabbitMQ settings, as you gave them to the lab)\n".into(),
                " --scaler rabbitmq",
            ),
        }
    }

    /// Why a fault cannot act on this broker, if it cannot: the user's broker is not the lab's
    /// to take down.
    pub fn refuse_fault(&self, fault: &Fault) -> Option<String> {
        match (self, fault) {
            (Endpoints::RabbitMq { own: None, .. }, Fault::BrokerDown(_)) => Some(
                "broker-down needs a broker the lab runs: the lab cannot take down your RabbitMQ broker, so nothing happened".into(),
            ),
            _ => None,
        }
    }
}

/// The broker process the lab runs (on the lab's thread), for faults and the report.
pub enum Process {
    ServiceBus(Arc<Mutex<FakeServiceBus>>),
    /// `None`: the user's broker.
    RabbitMq(Option<Arc<Mutex<testkit::rabbitmq::Broker>>>),
}

impl Process {
    /// `broker-down`: every connection dropped, the ports closed (blocking).
    pub fn stop(&self) {
        match self {
            Process::ServiceBus(bus) => bus.lock().unwrap().stop(),
            Process::RabbitMq(Some(broker)) => broker.lock().unwrap().stop(),
            Process::RabbitMq(None) => tracing::warn!(
                "lab: broker-down needs a broker the lab runs; your RabbitMQ broker stays up"
            ),
        }
    }

    /// The end of `broker-down` (blocking): the same ports, and for RabbitMQ the same data.
    pub fn restart(&self) -> Result<(), String> {
        match self {
            Process::ServiceBus(bus) => bus.lock().unwrap().restart().map_err(|e| e.to_string()),
            Process::RabbitMq(Some(broker)) => {
                broker.lock().unwrap().restart().map_err(|e| e.to_string())
            }
            Process::RabbitMq(None) => Ok(()),
        }
    }

    fn is_running(&self) -> bool {
        match self {
            Process::ServiceBus(bus) => bus.lock().unwrap().is_running(),
            Process::RabbitMq(Some(broker)) => broker.lock().unwrap().running(),
            Process::RabbitMq(None) => true,
        }
    }

    /// What the broker saw, for the report's `lab broker` line (the broker brought back up if a
    /// `broker-down` was in progress). Blocking.
    pub fn summary(&self, queue: &str) -> Option<String> {
        if !self.is_running() {
            let _ = self.restart();
        }
        match self {
            Process::ServiceBus(bus) => bus.lock().unwrap().counts(queue).map(|b| {
                format!(
                    "sent {}, completed {}, dead-lettered {}, still queued {} (locked {})",
                    b.enqueued_total, b.completed_total, b.dead_letter, b.active, b.locked
                )
            }),
            Process::RabbitMq(Some(broker)) => {
                let broker = broker.lock().unwrap();
                let (code, body) = broker.try_api("GET", &format!("queues/%2F/{queue}"), None)?;
                let v: Value = serde_json::from_str(&body).ok().filter(|_| code == 200)?;
                let n = |v: &Value| v.as_u64().unwrap_or(0);
                // The queue's figures, asked of the queue itself (the management API's are
                // samples).
                let (ready, unacked) = broker
                    .live_queue_counts(queue)
                    .unwrap_or((n(&v["messages_ready"]), n(&v["messages_unacknowledged"])));
                Some(format!(
                    "RabbitMQ: published {}, acked {}, still queued {ready} (unacked {unacked})",
                    n(&v["message_stats"]["publish"]),
                    n(&v["message_stats"]["ack"]),
                ))
            }
            Process::RabbitMq(None) => None,
        }
    }
}

/// The report's `lab broker` line: what the lab's broker saw, or your RabbitMQ queue's figures
/// now. The lab's own broker stops once the last handle on it is dropped (SIGTERM).
pub async fn summary(process: Arc<Process>, queue: Queue) -> Option<String> {
    if let Process::RabbitMq(None) = *process {
        let c = queue.read_counts().await.ok()?;
        return Some(format!(
            "RabbitMQ (your broker): still queued {} (unacked {})",
            c.active,
            c.in_flight.unwrap_or(0)
        ));
    }
    let name = queue.queue().to_owned();
    tokio::task::spawn_blocking(move || process.summary(&name))
        .await
        .ok()
        .flatten()
}

fn rule(name: &str, rights: Rights) -> SasRule {
    SasRule {
        name: name.into(),
        key: testkit::servicebus::random_key(),
        rights,
    }
}

/// Starts (or, for the user's broker, checks) the lab's broker and declares its queue. `dir` is
/// the lab's directory.
pub async fn start(config: &LabConfig, dir: &Path) -> Result<(Endpoints, Process), String> {
    let queue = config.sim.names.queue.clone();
    match &config.broker {
        BrokerChoice::ServiceBus => {
            let listen_only = Rights {
                manage: false,
                send: false,
                listen: true,
            };
            let send_only = Rights {
                manage: false,
                send: true,
                listen: false,
            };
            let bus = FakeServiceBus::start(FakeServiceBusOptions {
                amqp_port: config.amqp_port,
                http_port: config.http_port,
                queues: vec![queue],
                rules: vec![
                    rule(SEND_RULE, send_only),
                    rule(LISTEN_RULE, listen_only),
                    rule(MANAGE_RULE, Rights::ALL),
                ],
                lock_duration: Duration::from_nanos(
                    config.flags.lock_duration.as_nanos().max(1) as u64
                ),
                ..FakeServiceBusOptions::default()
            })
            .map_err(|e| format!("the lab's Service Bus cannot listen: {e}"))?;
            let endpoints = Endpoints::ServiceBus {
                send: bus.connection_string_for(SEND_RULE),
                listen: bus.connection_string_for(LISTEN_RULE),
                manage: bus.connection_string_for(MANAGE_RULE),
                management_url: bus.management_url(),
            };
            Ok((endpoints, Process::ServiceBus(Arc::new(Mutex::new(bus)))))
        }
        BrokerChoice::OwnRabbitMq => {
            let broker_dir = dir.join(RABBITMQ_DIR);
            let url_file = dir.join(RABBITMQ_URL_FILE);
            let password = uuid::Uuid::new_v4().simple().to_string();
            let broker = {
                let (broker_dir, password) = (broker_dir.clone(), password.clone());
                tokio::task::spawn_blocking(move || start_own(&broker_dir, &password))
                    .await
                    .map_err(|e| format!("the lab's rabbitmq-server: {e}"))??
            };
            let url = BrokerUrl::parse_amqp(&format!(
                "amqp://{RABBITMQ_USER}:{password}@127.0.0.1:{}/",
                broker.amqp_port
            ))
            .map_err(|e| e.to_string())?;
            let mut rabbit_config = RabbitMqConfig::new(url, queue);
            rabbit_config.management = BrokerUrl::parse_management(&format!(
                "http://{RABBITMQ_USER}:{password}@127.0.0.1:{}/",
                broker.management_port
            ))
            .map_err(|e| e.to_string())?;
            let process = Process::RabbitMq(Some(Arc::new(Mutex::new(broker))));
            write_secret(&url_file, &rabbit_config.url.client_uri())?;
            ensure_queue(&rabbit_config).await?;
            let endpoints = Endpoints::RabbitMq {
                config: rabbit_config,
                own: Some((broker_dir, url_file)),
                from: String::new(),
            };
            Ok((endpoints, process))
        }
        BrokerChoice::RabbitMq { config: c, from } => {
            ensure_queue(c)
                .await
                .map_err(|e| format!("{e} (the broker from {from})"))?;
            let endpoints = Endpoints::RabbitMq {
                config: (**c).clone(),
                own: None,
                from: from.clone(),
            };
            Ok((endpoints, Process::RabbitMq(None)))
        }
    }
}

/// Starts the private rabbitmq-server in `dir` and gives it the lab's user (blocking).
fn start_own(dir: &Path, password: &str) -> Result<testkit::rabbitmq::Broker, String> {
    if !testkit::rabbitmq::installed() {
        return Err(not_installed());
    }
    let broker = testkit::rabbitmq::Broker::start_in(dir, "lab")
        .map_err(|e| format!("the lab's rabbitmq-server: {e}"))?;
    let user = json!({"password": password, "tags": "administrator"}).to_string();
    let permissions = json!({"configure": ".*", "write": ".*", "read": ".*"}).to_string();
    for (path, body) in [
        (format!("users/{RABBITMQ_USER}"), user),
        (format!("permissions/%2F/{RABBITMQ_USER}"), permissions),
    ] {
        match broker.try_api("PUT", &path, Some(&body)) {
            Some((201 | 204, _)) => {}
            Some((code, _)) => {
                return Err(format!(
                    "the lab's rabbitmq-server refused to set up user {RABBITMQ_USER} ({code} for PUT /api/{path})"
                ));
            }
            None => {
                return Err(format!(
                    "the lab's rabbitmq-server's management API did not answer PUT /api/{path}"
                ));
            }
        }
    }
    Ok(broker)
}

/// The URL file: readable by the user only (it holds the password).
fn write_secret(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(format!("{text}\n").as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Declares the lab's durable queue when the broker lacks it (an existing one is used as it is).
async fn ensure_queue(config: &RabbitMqConfig) -> Result<(), String> {
    let api = ManagementApi::new(
        &config.management,
        kedatui_core::rabbitmq::queue::HTTP_TIMEOUT,
    )
    .map_err(|e| e.message)?;
    let vhost = config.url.vhost();
    match api.queue_info(&vhost, &config.queue).await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.kind, ErrorKind::NotFound) => api
            .declare_durable_queue(&vhost, &config.queue)
            .await
            .map_err(|e| e.message),
        Err(e) => Err(e.message),
    }
}

/// The receiver's broker variable as the Deployment declares it (from the demo's Secret).
pub fn deployment_secret_env(scaler: Scaler) -> Value {
    match scaler {
        Scaler::ServiceBus => json!({"name": "SERVICEBUS_CONNECTION_STRING",
            "valueFrom": {"secretKeyRef": {"name": "servicebus-connection", "key": "receiver-connection"}}}),
        // yaml/overlays/rabbitmq/kustomization.yaml
        Scaler::RabbitMq => json!({"name": RABBITMQ_URL_ENV,
            "valueFrom": {"secretKeyRef": {"name": "rabbitmq-connection", "key": "host"}}}),
    }
}

/// The ScaledObject's trigger for the lab's settings. RabbitMQ reads the queue over the
/// management API (`protocol: http`), as the lab does: `QueueLength` then counts ready and
/// unacknowledged messages (KEDA's `messages`), which is what the lab's loop feeds the HPA.
pub fn trigger(config: &SimConfig) -> Value {
    let n = &config.names;
    let auth = json!({"name": names::TRIGGER_AUTHENTICATION});
    match config.scaler {
        Scaler::ServiceBus => json!({"type": config.scaler.trigger_type(),
            "metadata": {"queueName": n.queue,
                         "messageCount": config.message_count.to_string(),
                         "activationMessageCount": config.activation_message_count.to_string()},
            "authenticationRef": auth}),
        Scaler::RabbitMq => json!({"type": config.scaler.trigger_type(),
            "metadata": {"protocol": "http", "queueName": n.queue, "mode": "QueueLength",
                         "value": config.message_count.to_string(),
                         "activationValue": config.activation_message_count.to_string()},
            "authenticationRef": auth}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_rabbitmq_trigger_is_one_keda_reads_as_the_lab_counts() {
        let config = SimConfig::demo().with_scaler(Scaler::RabbitMq);
        let t = trigger(&config);
        assert_eq!(t["type"], "rabbitmq");
        assert_eq!(t["authenticationRef"]["name"], "kedasbreceiver-auth");
        let metadata: BTreeMap<String, String> =
            serde_json::from_value(t["metadata"].clone()).unwrap();
        let keda = kedatui_core::rabbitmq::Trigger::from_metadata(&metadata, "amqp").unwrap();
        assert_eq!(keda.mode, kedatui_core::rabbitmq::Mode::QueueLength);
        assert_eq!(keda.value, 20.0);
        assert_eq!(keda.protocol, kedatui_core::rabbitmq::Protocol::Http);
        // protocol http without excludeUnacknowledged: ready + unacked, as the lab's loop; the
        // ScaledObject reads back as the lab's own numbers.
        let so: kedatui_core::crd::ScaledObject = serde_json::from_value(json!({
            "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": "kedasbreceiver-scaler", "namespace": "keda-demo"},
            "spec": {"scaleTargetRef": {"name": "kedasbreceiver"}, "triggers": [t]}}))
        .unwrap();
        let read = SimConfig::from_scaled_object(&so, SimConfig::demo()).unwrap();
        assert_eq!(read.scaler, Scaler::RabbitMq);
        assert!(read.count_in_flight_as_active);
        assert_eq!(
            (read.message_count, read.activation_message_count),
            (config.message_count, config.activation_message_count)
        );
        let sb = trigger(&SimConfig::demo());
        assert_eq!(sb["type"], "azure-servicebus");
        assert_eq!(sb["metadata"]["messageCount"], "5");
    }

    #[test]
    fn rabbitmq_without_a_url_is_the_labs_own_broker_and_a_url_is_yours() {
        let none = RabbitMqArgs::default();
        match choose(Scaler::RabbitMq, &none, None, "kedaqueue") {
            Ok(BrokerChoice::OwnRabbitMq) => assert!(testkit::rabbitmq::installed()),
            Err(e) => {
                assert!(!testkit::rabbitmq::installed());
                assert!(e.contains("apt-get install rabbitmq-server"), "{e}");
            }
            Ok(other) => panic!("{other:?}"),
        }
        let url = Some("amqp://speaker:s3cret@broker:5672/demo".to_string());
        let Ok(BrokerChoice::RabbitMq { config, from }) =
            choose(Scaler::RabbitMq, &none, url.clone(), "kedaqueue")
        else {
            panic!("the user's broker");
        };
        assert_eq!(from, "$RABBITMQ_URL");
        assert_eq!(config.queue, "kedaqueue");
        assert!(matches!(
            choose(Scaler::ServiceBus, &none, url, "kedaqueue"),
            Ok(BrokerChoice::ServiceBus)
        ));
        let bad = choose(
            Scaler::RabbitMq,
            &none,
            Some("http://u:s3cret@h/".into()),
            "q",
        )
        .unwrap_err();
        assert!(!bad.contains("s3cret"), "{bad}");
        let management_alone = RabbitMqArgs {
            rabbitmq_management_url: Some("http://h:15672/".into()),
            ..RabbitMqArgs::default()
        };
        assert!(
            choose(Scaler::RabbitMq, &management_alone, None, "q")
                .unwrap_err()
                .starts_with("--rabbitmq-management-url")
        );
    }
}
