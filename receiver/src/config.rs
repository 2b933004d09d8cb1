//! The receiver's configuration: environment variables and two flags, parsed without I/O so every
//! rule is unit-tested. The broker's address (a Service Bus connection string, by kedatui's
//! parser, which keeps the port; or a RabbitMQ URL) is validated here so a typo fails at start-up
//! with exit code 2, not at the first receive.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use kedatui_servicebus::connection::{self, ConnectionString};

pub const USAGE: &str = "\
Usage: receiver [--once [--exit-when-done]]

Receives messages from an Azure Service Bus queue (peek-lock) or a RabbitMQ queue (manual
acks), simulates work for each, logs one JSON line per message and completes (acks) it. On
SIGTERM it stops taking messages, finishes what it can within SHUTDOWN_GRACE_MS and abandons
(requeues) the rest.

Flags:
  --once             take one message, then idle until stopped
  --exit-when-done   with --once: exit 0 after completing that message (for a ScaledJob)
  -h, --help         this text

Environment (one broker):
  SERVICEBUS_CONNECTION_STRING       Listen rule's connection string, or
  SERVICEBUS_CONNECTION_STRING_FILE  a file holding it (a mounted Secret), or, keyless:
  SERVICEBUS_FULLY_QUALIFIED_NAMESPACE  NAME.servicebus.windows.net, signing in with the pod's
                       workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID,
                       AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST: set by the AKS webhook);
                       the identity needs the Azure Service Bus Data Receiver role
  RABBITMQ_URL         or, for RabbitMQ: amqp://USER:PASS@HOST:PORT/VHOST (amqps:// for TLS;
                       no vhost means /, write it %2F when given); the queue must exist
  RABBITMQ_URL_FILE    a file holding it (a mounted Secret)
Environment (both brokers):
  QUEUE_NAME           queue to receive from (default kedaqueue)
  PROCESSING_MS        simulated work per message, 0..=600000 (default 1000)
  CONCURRENCY          messages worked on at once, 1..=256 (default 1); with RabbitMQ also
                       the consumer's prefetch (basic.qos)
  PREFETCH             Service Bus only: messages the client may buffer ahead, 0..=1000
                       (default 0); buffered messages stay locked after SIGTERM until their lock
                       expires
  SHUTDOWN_GRACE_MS    time to finish in-flight work after SIGTERM (default 25000; keep it
                       below the pod's terminationGracePeriodSeconds)
  CREATE_TIMEOUT_MS    limit on connecting and attaching the receiver (default 30000)
  HEALTH_ADDR          address for the probes, GET /readyz and /livez (default 0.0.0.0:8080;
                       port 0 picks a free one, logged in the `health` line; `off` disables)

Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad configuration, 3 unauthorised,
4 queue or namespace not found.";

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    Run(Box<Config>),
    Help,
}

/// Which broker to receive from, and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub enum Broker {
    ServiceBus(ConnectionString),
    RabbitMq(RabbitUrl),
}

/// `Debug` goes through the parsed connection string, whose key prints as `<redacted>`, or the
/// RabbitMQ URL, whose password prints as `***`.
impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broker::ServiceBus(c) => f
                .debug_struct("ServiceBus")
                .field("namespace", &c.host)
                .field("port", &c.port)
                .field("key_name", &c.key_name)
                .finish(),
            Broker::RabbitMq(url) => f.debug_tuple("RabbitMq").field(url).finish(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub broker: Broker,
    pub queue_name: String,
    pub processing: Duration,
    pub concurrency: u32,
    /// Service Bus only; RabbitMQ's prefetch is `concurrency`.
    pub prefetch: u32,
    pub shutdown_grace: Duration,
    pub create_timeout: Duration,
    /// Where `/readyz` and `/livez` are served; `None` when HEALTH_ADDR is `off`.
    pub health_addr: Option<SocketAddr>,
    pub once: bool,
    pub exit_when_done: bool,
}

/// A RabbitMQ URL (`amqp://` or `amqps://`), taken apart the way RabbitMQ's URI spec
/// (<https://www.rabbitmq.com/docs/uri-spec>) reads it. `Display` and `Debug` print the
/// password as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct RabbitUrl {
    pub tls: bool,
    /// A name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub user: String,
    password: String,
    /// Percent-decoded; `/` when the URL has no path.
    pub vhost: String,
    /// The spec's query parameters (`heartbeat`, `connection_timeout`, `frame_max`,
    /// `channel_max`), as the client reads them.
    pub heartbeat: Option<u16>,
    pub connection_timeout_ms: Option<u64>,
    pub frame_max: Option<u32>,
    pub channel_max: Option<u16>,
}

/// Why a RabbitMQ URL was refused. No variant holds the URL's text: it may hold the password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RabbitUrlError {
    #[error("it is not a URL ({0})")]
    Malformed(String),
    #[error("its scheme is `{0}`, not amqp or amqps")]
    Scheme(String),
    #[error("it has no host")]
    NoHost,
    #[error(
        "its vhost must be one path segment: write a / inside the vhost as %2F (the default vhost / is %2F or nothing)"
    )]
    VhostPath,
    #[error("its query parameter `{0}` must be a whole number")]
    BadQuery(String),
    #[error(
        "it has an unknown query parameter `{0}` (the receiver reads heartbeat, connection_timeout, frame_max and channel_max)"
    )]
    UnknownQuery(String),
}

impl RabbitUrl {
    pub fn parse(text: &str) -> Result<RabbitUrl, RabbitUrlError> {
        let url =
            url::Url::parse(text.trim()).map_err(|e| RabbitUrlError::Malformed(e.to_string()))?;
        let tls = match url.scheme() {
            "amqp" => false,
            "amqps" => true,
            other => return Err(RabbitUrlError::Scheme(other.to_owned())),
        };
        // `url` keeps IPv6 hosts bracketed; the socket address wants them bare.
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(RabbitUrlError::NoHost),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        // The spec and kedatui's own BrokerUrl: `amqp://h` and `amqp://h/` both mean the
        // default vhost. (lapin's parser reads `amqp://h/` as the vhost "", which RabbitMQ
        // refuses, so the receiver hands lapin the parts, not the text.)
        let path = url.path().strip_prefix('/').unwrap_or("");
        if path.contains('/') {
            return Err(RabbitUrlError::VhostPath);
        }
        let vhost = if path.is_empty() {
            "/".to_owned()
        } else {
            decode(path)
        };
        let mut parsed = RabbitUrl {
            tls,
            host,
            port: url.port().unwrap_or(if tls { 5671 } else { 5672 }),
            // The client's defaults when the URL has none (lapin's, as the spec allows).
            user: match url.username() {
                "" => "guest".to_owned(),
                user => decode(user),
            },
            password: url.password().map_or_else(|| "guest".to_owned(), decode),
            vhost,
            heartbeat: None,
            connection_timeout_ms: None,
            frame_max: None,
            channel_max: None,
        };
        for (key, value) in url.query_pairs() {
            let bad = || RabbitUrlError::BadQuery(key.clone().into_owned());
            match key.as_ref() {
                "heartbeat" => parsed.heartbeat = Some(value.parse().map_err(|_| bad())?),
                "connection_timeout" => {
                    parsed.connection_timeout_ms = Some(value.parse().map_err(|_| bad())?)
                }
                "frame_max" => parsed.frame_max = Some(value.parse().map_err(|_| bad())?),
                "channel_max" => parsed.channel_max = Some(value.parse().map_err(|_| bad())?),
                other => return Err(RabbitUrlError::UnknownQuery(other.to_owned())),
            }
        }
        Ok(parsed)
    }

    /// The password, for the client only: never log it.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Display for RabbitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encode = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "{}://{}:***@{host}:{}/{}",
            if self.tls { "amqps" } else { "amqp" },
            encode(&self.user),
            self.port,
            encode(&self.vhost),
        )
    }
}

impl fmt::Debug for RabbitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RabbitUrl({self})")
    }
}

/// Bad configuration: each message names the variable and what is wrong, never a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_CONNECTION_STRING_FILE (keys), or SERVICEBUS_FULLY_QUALIFIED_NAMESPACE (workload identity), or RABBITMQ_URL or RABBITMQ_URL_FILE (RabbitMQ)"
    )]
    MissingConnection,
    #[error(
        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE (workload identity) and a connection string are both set: keep one"
    )]
    KeysAndKeyless,
    #[error(
        "both a Service Bus connection ({service_bus}) and {rabbitmq} are set: the receiver consumes from one broker, keep one"
    )]
    TwoBrokers {
        service_bus: &'static str,
        rabbitmq: &'static str,
    },
    #[error(
        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE signs in with workload identity, but {variable} is not set: label the pod azure.workload.identity/use=true and give it the federated service account"
    )]
    MissingWorkloadIdentity { variable: &'static str },
    #[error("AZURE_AUTHORITY_HOST must be an http(s) URL, not `{value}`")]
    BadAuthorityHost { value: String },
    #[error("set only one of SERVICEBUS_CONNECTION_STRING and SERVICEBUS_CONNECTION_STRING_FILE")]
    BothConnections,
    #[error("set only one of RABBITMQ_URL and RABBITMQ_URL_FILE")]
    BothRabbitUrls,
    #[error("cannot read {variable} {path}: {reason}")]
    ConnectionFile {
        variable: &'static str,
        path: String,
        reason: String,
    },
    #[error("{source} (from {variable})")]
    Connection {
        variable: &'static str,
        source: connection::ConnectionStringError,
    },
    #[error("{variable} is not a RabbitMQ URL such as amqp://user:pass@host:5672/vhost: {source}")]
    RabbitUrl {
        variable: &'static str,
        source: RabbitUrlError,
    },
    #[error("QUEUE_NAME is empty")]
    EmptyQueue,
    #[error(
        "QUEUE_NAME is {queue} but the connection string's EntityPath is {entity}: a queue-level rule only grants access to its own queue"
    )]
    EntityMismatch { queue: String, entity: String },
    #[error("{variable} must be a whole number between {min} and {max}, not `{value}`")]
    OutOfRange {
        variable: &'static str,
        value: String,
        min: u64,
        max: u64,
    },
    #[error("HEALTH_ADDR must be an address and port such as 0.0.0.0:8080, or off, not `{0}`")]
    HealthAddr(String),
    #[error("--exit-when-done needs --once")]
    ExitWithoutOnce,
    #[error("unknown argument `{0}` (see --help)")]
    UnknownArgument(String),
}

const DEFAULT_QUEUE: &str = "kedaqueue";
/// The probes' port; yaml/base/deployment.yaml names it `health` (tests/yaml_manifests.rs checks).
pub const DEFAULT_HEALTH_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8080);

/// Keyless: the namespace to sign in to with workload identity.
pub const FULLY_QUALIFIED_NAMESPACE: &str = "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE";
/// Set by the AKS workload identity webhook on pods whose service account is federated.
pub const WORKLOAD_IDENTITY_VARIABLES: [&str; 3] = [
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
];

/// A keyless connection signing in with the pod's workload identity.
fn keyless(
    namespace: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<ConnectionString, ConfigError> {
    let [client_id, tenant_id, token_file] = WORKLOAD_IDENTITY_VARIABLES
        .map(|variable| env(variable).ok_or(ConfigError::MissingWorkloadIdentity { variable }));
    let authority_host = match env("AZURE_AUTHORITY_HOST") {
        Some(host) if !(host.starts_with("https://") || host.starts_with("http://")) => {
            return Err(ConfigError::BadAuthorityHost { value: host });
        }
        other => other,
    };
    let identity = crate::identity::WorkloadIdentity {
        client_id: client_id?.trim().to_owned(),
        tenant_id: tenant_id?.trim().to_owned(),
        token_file: token_file?.trim().into(),
        authority_host,
    };
    connection::keyless(namespace, identity.into_auth()).map_err(|source| ConfigError::Connection {
        variable: FULLY_QUALIFIED_NAMESPACE,
        source,
    })
}

/// A secret given inline (`inline`) or as a mounted file (`file`): which variable it came from
/// and its text. `None` when neither is set.
fn inline_or_file(
    (inline_name, inline): (&'static str, Option<String>),
    (file_name, file): (&'static str, Option<String>),
    both: ConfigError,
    read_file: &impl Fn(&str) -> std::io::Result<String>,
) -> Result<Option<(&'static str, String)>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(both),
        (None, None) => Ok(None),
        (Some(inline), None) => Ok(Some((inline_name, inline))),
        (None, Some(path)) => {
            let text = read_file(&path).map_err(|e| ConfigError::ConnectionFile {
                variable: file_name,
                path: path.clone(),
                reason: e.to_string(),
            })?;
            Ok(Some((file_name, text)))
        }
    }
}

/// Parses the arguments (without the program name) and the environment. `read_file` reads
/// SERVICEBUS_CONNECTION_STRING_FILE and RABBITMQ_URL_FILE; it is a parameter so tests need no
/// files.
pub fn parse(
    args: &[String],
    env: impl Fn(&str) -> Option<String>,
    read_file: impl Fn(&str) -> std::io::Result<String>,
) -> Result<Invocation, ConfigError> {
    let mut once = false;
    let mut exit_when_done = false;
    for arg in args {
        match arg.as_str() {
            "--once" => once = true,
            "--exit-when-done" => exit_when_done = true,
            "-h" | "--help" => return Ok(Invocation::Help),
            other => return Err(ConfigError::UnknownArgument(other.to_owned())),
        }
    }
    if exit_when_done && !once {
        return Err(ConfigError::ExitWithoutOnce);
    }

    // An empty variable counts as unset: Kubernetes renders a missing optional value as "".
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let inline = env("SERVICEBUS_CONNECTION_STRING");
    let file = env("SERVICEBUS_CONNECTION_STRING_FILE");
    let namespace = env(FULLY_QUALIFIED_NAMESPACE);
    let rabbit_inline = env("RABBITMQ_URL");
    let rabbit_file = env("RABBITMQ_URL_FILE");
    // Checked before anything is read: a mixed-up Secret should say so, not fail on a file.
    let service_bus = [
        ("SERVICEBUS_CONNECTION_STRING", inline.is_some()),
        ("SERVICEBUS_CONNECTION_STRING_FILE", file.is_some()),
        (FULLY_QUALIFIED_NAMESPACE, namespace.is_some()),
    ]
    .into_iter()
    .find_map(|(name, set)| set.then_some(name));
    let rabbitmq = [
        ("RABBITMQ_URL", rabbit_inline.is_some()),
        ("RABBITMQ_URL_FILE", rabbit_file.is_some()),
    ]
    .into_iter()
    .find_map(|(name, set)| set.then_some(name));
    if let (Some(service_bus), Some(rabbitmq)) = (service_bus, rabbitmq) {
        return Err(ConfigError::TwoBrokers {
            service_bus,
            rabbitmq,
        });
    }

    let broker = if rabbitmq.is_some() {
        let (variable, raw) = inline_or_file(
            ("RABBITMQ_URL", rabbit_inline),
            ("RABBITMQ_URL_FILE", rabbit_file),
            ConfigError::BothRabbitUrls,
            &read_file,
        )?
        .expect("one of them is set");
        Broker::RabbitMq(
            RabbitUrl::parse(&raw).map_err(|source| ConfigError::RabbitUrl { variable, source })?,
        )
    } else {
        Broker::ServiceBus(match namespace {
            Some(_) if inline.is_some() || file.is_some() => {
                return Err(ConfigError::KeysAndKeyless);
            }
            Some(namespace) => keyless(&namespace, &env)?,
            None => {
                let (variable, raw) = inline_or_file(
                    ("SERVICEBUS_CONNECTION_STRING", inline),
                    ("SERVICEBUS_CONNECTION_STRING_FILE", file),
                    ConfigError::BothConnections,
                    &read_file,
                )?
                .ok_or(ConfigError::MissingConnection)?;
                connection::parse(raw.trim())
                    .map_err(|source| ConfigError::Connection { variable, source })?
            }
        })
    };

    let queue_name = env("QUEUE_NAME").unwrap_or_else(|| DEFAULT_QUEUE.to_owned());
    let queue_name = queue_name.trim().to_owned();
    if queue_name.is_empty() {
        return Err(ConfigError::EmptyQueue);
    }
    if let Broker::ServiceBus(connection) = &broker
        && let Some(entity) = &connection.entity_path
        && !entity.eq_ignore_ascii_case(&queue_name)
    {
        return Err(ConfigError::EntityMismatch {
            queue: queue_name,
            entity: entity.clone(),
        });
    }

    let number = |variable: &'static str, default: u64, min: u64, max: u64| match env(variable) {
        None => Ok(default),
        Some(value) => match value.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::OutOfRange {
                variable,
                value,
                min,
                max,
            }),
        },
    };
    let processing = Duration::from_millis(number("PROCESSING_MS", 1000, 0, 600_000)?);
    let concurrency = number("CONCURRENCY", 1, 1, 256)? as u32;
    let prefetch = number("PREFETCH", 0, 0, 1000)? as u32;
    let shutdown_grace = Duration::from_millis(number("SHUTDOWN_GRACE_MS", 25_000, 0, 3_600_000)?);
    let create_timeout = Duration::from_millis(number("CREATE_TIMEOUT_MS", 30_000, 100, 600_000)?);
    let health_addr = match env("HEALTH_ADDR") {
        None => Some(DEFAULT_HEALTH_ADDR),
        Some(v) if v.trim().eq_ignore_ascii_case("off") => None,
        Some(v) => Some(
            v.trim()
                .parse::<SocketAddr>()
                .map_err(|_| ConfigError::HealthAddr(v.clone()))?,
        ),
    };

    Ok(Invocation::Run(Box::new(Config {
        broker,
        queue_name,
        processing,
        concurrency,
        prefetch,
        shutdown_grace,
        create_timeout,
        health_addr,
        once,
        exit_when_done,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    // Generated per run, so no real-looking key is ever committed.
    fn fake_key() -> String {
        format!("fake{}=", uuid::Uuid::new_v4().simple())
    }

    fn conn(extra: &str) -> String {
        format!(
            "Endpoint=sb://127.0.0.1:5673/;SharedAccessKeyName=listen;SharedAccessKey={}{extra}",
            fake_key()
        )
    }

    fn run(args: &[&str], vars: &[(&str, String)]) -> Result<Invocation, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        parse(
            &args,
            |name| vars.get(name).cloned(),
            |path| match path {
                "/secrets/connection" => Ok(format!("{}\n", conn(""))),
                "/secrets/rabbitmq" => Ok("amqp://receiver:s3cret@rabbit.demo:5672/talks\n".into()),
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "No such file or directory",
                )),
            },
        )
    }

    fn service_bus(c: &Config) -> &ConnectionString {
        match &c.broker {
            Broker::ServiceBus(connection) => connection,
            other => panic!("expected Service Bus, got {other:?}"),
        }
    }

    fn config(args: &[&str], vars: &[(&str, String)]) -> Config {
        match run(args, vars) {
            Ok(Invocation::Run(c)) => *c,
            other => panic!("expected a config, got {other:?}"),
        }
    }

    #[test]
    fn defaults_match_the_deployment_yaml() {
        let c = config(&[], &[("SERVICEBUS_CONNECTION_STRING", conn(""))]);
        assert_eq!(c.queue_name, kedatui_core::model::names::QUEUE);
        assert_eq!(c.processing, Duration::from_millis(1000));
        assert_eq!((c.concurrency, c.prefetch), (1, 0));
        assert_eq!(c.shutdown_grace, Duration::from_secs(25));
        assert_eq!(service_bus(&c).port, Some(5673), "the port must survive");
        assert_eq!(c.health_addr, Some("0.0.0.0:8080".parse().unwrap()));
        assert!(!c.once && !c.exit_when_done);
    }

    #[test]
    fn every_variable_is_read() {
        let c = config(
            &["--once", "--exit-when-done"],
            &[
                ("SERVICEBUS_CONNECTION_STRING", conn(";EntityPath=orders")),
                ("QUEUE_NAME", "orders".into()),
                ("PROCESSING_MS", "250".into()),
                ("CONCURRENCY", "8".into()),
                ("PREFETCH", "16".into()),
                ("SHUTDOWN_GRACE_MS", "0".into()),
                ("CREATE_TIMEOUT_MS", "5000".into()),
                ("HEALTH_ADDR", "127.0.0.1:0".into()),
            ],
        );
        assert_eq!(c.health_addr, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(c.queue_name, "orders");
        assert_eq!(c.processing, Duration::from_millis(250));
        assert_eq!((c.concurrency, c.prefetch), (8, 16));
        assert_eq!(c.shutdown_grace, Duration::ZERO);
        assert_eq!(c.create_timeout, Duration::from_secs(5));
        assert!(c.once && c.exit_when_done);
        let off = config(
            &[],
            &[
                ("SERVICEBUS_CONNECTION_STRING", conn("")),
                ("HEALTH_ADDR", "off".into()),
            ],
        );
        assert_eq!(off.health_addr, None);
    }

    #[test]
    fn the_connection_string_can_come_from_a_mounted_file() {
        let c = config(
            &[],
            &[(
                "SERVICEBUS_CONNECTION_STRING_FILE",
                "/secrets/connection".into(),
            )],
        );
        assert_eq!(service_bus(&c).key_name, "listen");
    }

    #[test]
    fn help_wins() {
        assert_eq!(run(&["--help"], &[]), Ok(Invocation::Help));
    }

    #[test]
    fn bad_input_is_named() {
        let ok = || ("SERVICEBUS_CONNECTION_STRING", conn(""));
        // (arguments, environment, expected part of the error)
        type Case = (Vec<&'static str>, Vec<(&'static str, String)>, &'static str);
        let cases: Vec<Case> = vec![
            (vec![], vec![], "set SERVICEBUS_CONNECTION_STRING or"),
            (
                vec![],
                vec![("SERVICEBUS_CONNECTION_STRING", "  ".into())],
                "set SERVICEBUS_CONNECTION_STRING or",
            ),
            (
                vec![],
                vec![ok(), ("SERVICEBUS_CONNECTION_STRING_FILE", "/x".into())],
                "only one of",
            ),
            (
                vec![],
                vec![("SERVICEBUS_CONNECTION_STRING_FILE", "/missing".into())],
                "cannot read SERVICEBUS_CONNECTION_STRING_FILE /missing",
            ),
            (
                vec![],
                vec![(
                    "SERVICEBUS_CONNECTION_STRING",
                    "Endpoint=sb://x/;SharedAccessKeyName=k".into(),
                )],
                "no SharedAccessKey (from SERVICEBUS_CONNECTION_STRING)",
            ),
            (
                vec![],
                vec![
                    ("SERVICEBUS_CONNECTION_STRING", conn(";EntityPath=other")),
                    ("QUEUE_NAME", "kedaqueue".into()),
                ],
                "EntityPath is other",
            ),
            (
                vec![],
                vec![ok(), ("PROCESSING_MS", "1s".into())],
                "PROCESSING_MS must be a whole number between 0 and 600000, not `1s`",
            ),
            (
                vec![],
                vec![ok(), ("CONCURRENCY", "0".into())],
                "CONCURRENCY must be a whole number between 1 and 256",
            ),
            (
                vec![],
                vec![ok(), ("PREFETCH", "-1".into())],
                "PREFETCH must be",
            ),
            (
                vec![],
                vec![ok(), ("HEALTH_ADDR", "8080".into())],
                "HEALTH_ADDR must be an address and port such as 0.0.0.0:8080, or off, not `8080`",
            ),
            (vec!["--exit-when-done"], vec![ok()], "needs --once"),
            (vec!["--twice"], vec![ok()], "unknown argument `--twice`"),
        ];
        for (args, vars, expected) in cases {
            let err = run(&args, &vars).expect_err(expected).to_string();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn neither_errors_nor_debug_show_the_key() {
        let c = conn("");
        let key = c.split("SharedAccessKey=").nth(1).unwrap().to_owned();
        let cfg = config(&[], &[("SERVICEBUS_CONNECTION_STRING", c.clone())]);
        assert!(!format!("{cfg:?}").contains(&key));
        let bad = format!("{c};Endpoint");
        let err = run(&[], &[("SERVICEBUS_CONNECTION_STRING", bad)]).unwrap_err();
        assert!(!err.to_string().contains(&key), "{err}");
    }

    #[test]
    fn keyless_needs_the_workload_identity_variables() {
        let wi = |skip: &str| {
            let mut vars = vec![
                (
                    "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
                    "demo.servicebus.windows.net".to_owned(),
                ),
                ("AZURE_CLIENT_ID", "client".to_owned()),
                ("AZURE_TENANT_ID", "tenant".to_owned()),
                (
                    "AZURE_FEDERATED_TOKEN_FILE",
                    "/var/run/secrets/azure/tokens/azure-identity-token".to_owned(),
                ),
                (
                    "AZURE_AUTHORITY_HOST",
                    "https://login.microsoftonline.com/".to_owned(),
                ),
            ];
            vars.retain(|(k, _)| *k != skip);
            vars
        };
        let Ok(Invocation::Run(config)) = run(&[], &wi("")) else {
            panic!("keyless config")
        };
        assert_eq!(service_bus(&config).host, "demo.servicebus.windows.net");
        assert!(
            service_bus(&config).entra.is_some() && !service_bus(&config).use_development_emulator
        );
        assert_eq!(
            service_bus(&config).entra.as_ref().unwrap().via(),
            "workload identity"
        );
        for variable in WORKLOAD_IDENTITY_VARIABLES {
            assert_eq!(
                run(&[], &wi(variable)),
                Err(ConfigError::MissingWorkloadIdentity { variable })
            );
        }
        let mut both = wi("");
        both.push(("SERVICEBUS_CONNECTION_STRING", conn("")));
        assert_eq!(run(&[], &both), Err(ConfigError::KeysAndKeyless));
        let mut bad_host = wi("AZURE_AUTHORITY_HOST");
        bad_host.push(("AZURE_AUTHORITY_HOST", "login.example".to_owned()));
        assert!(matches!(
            run(&[], &bad_host),
            Err(ConfigError::BadAuthorityHost { .. })
        ));
        // Without the namespace, the connection string is still required, and says both ways.
        let e = run(&[], &[]).unwrap_err().to_string();
        assert!(e.contains("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"), "{e}");
    }

    fn rabbit(args: &[&str], vars: &[(&str, String)]) -> RabbitUrl {
        match config(args, vars).broker {
            Broker::RabbitMq(url) => url,
            other => panic!("expected RabbitMQ, got {other:?}"),
        }
    }

    fn url(text: &str) -> Result<RabbitUrl, RabbitUrlError> {
        RabbitUrl::parse(text)
    }

    #[test]
    fn rabbitmq_urls_are_read_as_the_uri_spec_says() {
        let u = rabbit(
            &[],
            &[(
                "RABBITMQ_URL",
                "amqp://receiver:s%40cret@rabbit.demo:5673/talks".into(),
            )],
        );
        assert_eq!(
            (
                u.tls,
                u.host.as_str(),
                u.port,
                u.user.as_str(),
                u.password()
            ),
            (false, "rabbit.demo", 5673, "receiver", "s@cret")
        );
        assert_eq!(u.vhost, "talks");
        // No path, an empty one and %2F all mean the default vhost; other escapes are decoded.
        for text in ["amqp://h", "amqp://h/", "amqp://h/%2F", "amqp://h/%2f"] {
            assert_eq!(url(text).unwrap().vhost, "/", "{text}");
        }
        assert_eq!(url("amqp://h/a%2Fb").unwrap().vhost, "a/b");
        assert_eq!(url("amqp://h/a/b"), Err(RabbitUrlError::VhostPath));
        // Default ports and credentials; TLS; IP hosts kept as given (bare for IPv6).
        let tls = url("amqps://h.example").unwrap();
        assert_eq!((tls.tls, tls.port), (true, 5671));
        assert_eq!((tls.user.as_str(), tls.password()), ("guest", "guest"));
        assert_eq!(url("amqp://127.0.0.1:1234/").unwrap().host, "127.0.0.1");
        assert_eq!(url("amqp://[::1]:1234/").unwrap().host, "::1");
        assert_eq!(url("amqp://h").unwrap().port, 5672);
        // The spec's query parameters.
        let q = url("amqp://h/?heartbeat=10&connection_timeout=2500&frame_max=8192&channel_max=4")
            .unwrap();
        assert_eq!(
            (
                q.heartbeat,
                q.connection_timeout_ms,
                q.frame_max,
                q.channel_max
            ),
            (Some(10), Some(2500), Some(8192), Some(4))
        );
        assert_eq!(
            url("amqp://h/?heartbeat=soon"),
            Err(RabbitUrlError::BadQuery("heartbeat".into()))
        );
        assert!(matches!(
            url("amqp://h/?verify=none"),
            Err(RabbitUrlError::UnknownQuery(k)) if k == "verify"
        ));
        assert!(matches!(url("http://h/"), Err(RabbitUrlError::Scheme(s)) if s == "http"));
        assert!(matches!(
            url("rabbit.demo:5672"),
            Err(RabbitUrlError::Scheme(_))
        ));
        assert!(matches!(
            url("amqp://"),
            Err(RabbitUrlError::NoHost | RabbitUrlError::Malformed(_))
        ));
        assert!(matches!(
            url("not a url"),
            Err(RabbitUrlError::Malformed(_))
        ));
    }

    #[test]
    fn rabbitmq_mode_shares_the_other_variables() {
        let c = config(
            &[],
            &[
                ("RABBITMQ_URL", "amqp://u:p@h/".into()),
                ("QUEUE_NAME", "orders".into()),
                ("CONCURRENCY", "4".into()),
                // PREFETCH is Service Bus's: the shared manifests set it, so it is not an error.
                ("PREFETCH", "0".into()),
            ],
        );
        assert!(matches!(c.broker, Broker::RabbitMq(_)));
        assert_eq!((c.queue_name.as_str(), c.concurrency), ("orders", 4));
        let from_file = rabbit(&[], &[("RABBITMQ_URL_FILE", "/secrets/rabbitmq".into())]);
        assert_eq!(
            (from_file.user.as_str(), from_file.vhost.as_str()),
            ("receiver", "talks")
        );
        assert_eq!(
            config(&[], &[("RABBITMQ_URL", "amqp://h".into())]).queue_name,
            kedatui_core::model::names::QUEUE
        );
    }

    #[test]
    fn rabbitmq_configuration_errors_are_named() {
        let sb = || ("SERVICEBUS_CONNECTION_STRING", conn(""));
        let amqp = || ("RABBITMQ_URL", "amqp://u:p@h/".to_owned());
        type Case = (Vec<(&'static str, String)>, &'static str);
        let cases: Vec<Case> = vec![
            (
                vec![sb(), amqp()],
                "both a Service Bus connection (SERVICEBUS_CONNECTION_STRING) and RABBITMQ_URL are set",
            ),
            (
                vec![
                    (
                        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
                        "x.servicebus.windows.net".into(),
                    ),
                    ("RABBITMQ_URL_FILE", "/secrets/rabbitmq".into()),
                ],
                "(SERVICEBUS_FULLY_QUALIFIED_NAMESPACE) and RABBITMQ_URL_FILE are set",
            ),
            (
                vec![amqp(), ("RABBITMQ_URL_FILE", "/secrets/rabbitmq".into())],
                "only one of RABBITMQ_URL and RABBITMQ_URL_FILE",
            ),
            (
                vec![("RABBITMQ_URL_FILE", "/missing".into())],
                "cannot read RABBITMQ_URL_FILE /missing",
            ),
            (
                vec![("RABBITMQ_URL", "http://u:p@h/".into())],
                "RABBITMQ_URL is not a RabbitMQ URL such as amqp://user:pass@host:5672/vhost: its scheme is `http`",
            ),
            (
                vec![amqp(), ("CONCURRENCY", "0".into())],
                "CONCURRENCY must be a whole number between 1 and 256",
            ),
            (vec![], "or RABBITMQ_URL or RABBITMQ_URL_FILE (RabbitMQ)"),
        ];
        for (vars, expected) in cases {
            let err = run(&[], &vars).expect_err(expected).to_string();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn neither_errors_nor_debug_show_the_rabbitmq_password() {
        let password = format!("pw{}", uuid::Uuid::new_v4().simple());
        let text = format!("amqps://receiver:{password}@[::1]:5671/talks%2Fnov");
        let c = config(&[], &[("RABBITMQ_URL", text.clone())]);
        let shown = format!("{c:?}");
        assert!(!shown.contains(&password), "{shown}");
        let Broker::RabbitMq(u) = &c.broker else {
            panic!("RabbitMQ")
        };
        assert_eq!(u.to_string(), "amqps://receiver:***@[::1]:5671/talks%2Fnov");
        assert!(shown.contains("receiver:***@"), "{shown}");
        for bad in [
            format!("amqp://receiver:{password}@h:99999/"),
            format!("amqp://receiver:{password}@h/a/b"),
            format!("amqp://receiver:{password}@h/?x={password}"),
            format!("amqq://receiver:{password}@h/"),
        ] {
            let err = run(&[], &[("RABBITMQ_URL", bad.clone())]).unwrap_err();
            assert!(!err.to_string().contains(&password), "{err}");
            assert!(!format!("{err:?}").contains(&password), "{err:?}");
        }
    }
}
