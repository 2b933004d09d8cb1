//! The receiver's configuration: environment variables and two flags, parsed without I/O so every
//! rule is unit-tested. The connection string is validated here (by kedatui's parser, which keeps
//! the port) so a typo fails at start-up with exit code 2, not at the first receive.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use kedatui_servicebus::connection::{self, ConnectionString};

pub const USAGE: &str = "\
Usage: receiver [--once [--exit-when-done]]

Receives messages from an Azure Service Bus queue in peek-lock mode, simulates work for each,
logs one JSON line per message and completes it. On SIGTERM it stops taking messages, finishes
what it can within SHUTDOWN_GRACE_MS and abandons the rest.

Flags:
  --once             take one message, then idle until stopped
  --exit-when-done   with --once: exit 0 after completing that message (for a ScaledJob)
  -h, --help         this text

Environment:
  SERVICEBUS_CONNECTION_STRING       Listen rule's connection string, or
  SERVICEBUS_CONNECTION_STRING_FILE  a file holding it (a mounted Secret), or, keyless:
  SERVICEBUS_FULLY_QUALIFIED_NAMESPACE  NAME.servicebus.windows.net, signing in with the pod's
                       workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID,
                       AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST: set by the AKS webhook);
                       the identity needs the Azure Service Bus Data Receiver role
  QUEUE_NAME           queue to receive from (default kedaqueue)
  PROCESSING_MS        simulated work per message, 0..=600000 (default 1000)
  CONCURRENCY          messages worked on at once, 1..=256 (default 1)
  PREFETCH             messages the client may buffer ahead, 0..=1000 (default 0); buffered
                       messages stay locked after SIGTERM until their lock expires
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

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub connection: ConnectionString,
    pub queue_name: String,
    pub processing: Duration,
    pub concurrency: u32,
    pub prefetch: u32,
    pub shutdown_grace: Duration,
    pub create_timeout: Duration,
    /// Where `/readyz` and `/livez` are served; `None` when HEALTH_ADDR is `off`.
    pub health_addr: Option<SocketAddr>,
    pub once: bool,
    pub exit_when_done: bool,
}

/// `Debug` goes through the parsed connection string, whose key prints as `<redacted>`.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("namespace", &self.connection.host)
            .field("port", &self.connection.port)
            .field("key_name", &self.connection.key_name)
            .field("queue_name", &self.queue_name)
            .field("processing", &self.processing)
            .field("concurrency", &self.concurrency)
            .field("prefetch", &self.prefetch)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("create_timeout", &self.create_timeout)
            .field("health_addr", &self.health_addr)
            .field("once", &self.once)
            .field("exit_when_done", &self.exit_when_done)
            .finish()
    }
}

/// Bad configuration: each message names the variable and what is wrong, never a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_CONNECTION_STRING_FILE (keys), or SERVICEBUS_FULLY_QUALIFIED_NAMESPACE (workload identity)"
    )]
    MissingConnection,
    #[error(
        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE (workload identity) and a connection string are both set: keep one"
    )]
    KeysAndKeyless,
    #[error(
        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE signs in with workload identity, but {variable} is not set: label the pod azure.workload.identity/use=true and give it the federated service account"
    )]
    MissingWorkloadIdentity { variable: &'static str },
    #[error("AZURE_AUTHORITY_HOST must be an http(s) URL, not `{value}`")]
    BadAuthorityHost { value: String },
    #[error("set only one of SERVICEBUS_CONNECTION_STRING and SERVICEBUS_CONNECTION_STRING_FILE")]
    BothConnections,
    #[error("cannot read SERVICEBUS_CONNECTION_STRING_FILE {path}: {reason}")]
    ConnectionFile { path: String, reason: String },
    #[error("{source} (from {variable})")]
    Connection {
        variable: &'static str,
        source: connection::ConnectionStringError,
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

/// Parses the arguments (without the program name) and the environment. `read_file` reads
/// SERVICEBUS_CONNECTION_STRING_FILE; it is a parameter so tests need no files.
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
    let connection = match env(FULLY_QUALIFIED_NAMESPACE) {
        Some(_) if inline.is_some() || file.is_some() => return Err(ConfigError::KeysAndKeyless),
        Some(namespace) => keyless(&namespace, &env)?,
        None => {
            let (variable, raw) = match (inline, file) {
                (Some(_), Some(_)) => return Err(ConfigError::BothConnections),
                (None, None) => return Err(ConfigError::MissingConnection),
                (Some(inline), None) => ("SERVICEBUS_CONNECTION_STRING", inline),
                (None, Some(path)) => {
                    let text = read_file(&path).map_err(|e| ConfigError::ConnectionFile {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    ("SERVICEBUS_CONNECTION_STRING_FILE", text)
                }
            };
            connection::parse(raw.trim())
                .map_err(|source| ConfigError::Connection { variable, source })?
        }
    };

    let queue_name = env("QUEUE_NAME").unwrap_or_else(|| DEFAULT_QUEUE.to_owned());
    let queue_name = queue_name.trim().to_owned();
    if queue_name.is_empty() {
        return Err(ConfigError::EmptyQueue);
    }
    if let Some(entity) = &connection.entity_path
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
        connection,
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
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "No such file or directory",
                )),
            },
        )
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
        assert_eq!(c.connection.port, Some(5673), "the port must survive");
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
        assert_eq!(c.connection.key_name, "listen");
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
        assert_eq!(config.connection.host, "demo.servicebus.windows.net");
        assert!(config.connection.entra.is_some() && !config.connection.use_development_emulator);
        assert_eq!(
            config.connection.entra.as_ref().unwrap().via(),
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
}
