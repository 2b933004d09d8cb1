//! Where the Service Bus connection comes from: the flags and environment the console,
//! `send`, `queue`, `purge` and `doctor` share.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kedatui_core::model::names;
use kedatui_core::servicebus::{
    CONNECTION_STRING_ENV, MANAGE_CONNECTION_STRING_ENV, ServiceBusConfig,
};
use kedatui_servicebus::connection::{self, ConnectionStringError};
use url::Url;

/// The connection strings' environment variables, read once (tests pass their own).
/// `Debug` never shows the values.
#[derive(Clone, Default)]
pub struct ServiceBusEnv {
    /// `$SERVICEBUS_CONNECTION_STRING`
    pub connection_string: Option<String>,
    /// `$SERVICEBUS_MANAGE_CONNECTION_STRING`
    pub manage_connection_string: Option<String>,
}

impl ServiceBusEnv {
    pub fn from_process() -> Self {
        Self {
            connection_string: std::env::var(CONNECTION_STRING_ENV).ok(),
            manage_connection_string: std::env::var(MANAGE_CONNECTION_STRING_ENV).ok(),
        }
    }
}

impl std::fmt::Debug for ServiceBusEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("ServiceBusEnv")
            .field("connection_string", &shown(&self.connection_string))
            .field(
                "manage_connection_string",
                &shown(&self.manage_connection_string),
            )
            .finish()
    }
}

/// Exit code for bad input (a malformed connection string, a bad flag value).
use kedatui_servicebus::EXIT_BAD_INPUT;

/// How long the console and `doctor` wait for the first Entra ID token (`az` can take a few
/// seconds).
pub const ENTRA_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the Service Bus connection comes from (shared by the console and the headless commands).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServiceBusArgs {
    /// Read the Service Bus connection string from FILE instead of $SERVICEBUS_CONNECTION_STRING.
    #[arg(long, value_name = "FILE")]
    pub connection_string_file: Option<PathBuf>,
    /// Read counts (and purge) with this Manage policy's connection string from FILE instead of
    /// $SERVICEBUS_MANAGE_CONNECTION_STRING [default: the main connection string].
    #[arg(long, value_name = "FILE")]
    pub manage_connection_string_file: Option<PathBuf>,
    /// Sign in with Microsoft Entra ID (Azure CLI, then Azure Developer CLI) instead of a
    /// connection string: NAME.servicebus.windows.net, or 127.0.0.1:PORT for a loopback broker
    /// (plain text).
    #[arg(long, value_name = "NAMESPACE", env = kedatui_servicebus::entra::FULLY_QUALIFIED_NAMESPACE_ENV)]
    pub fully_qualified_namespace: Option<String>,
    /// The queue [default: the connection string's EntityPath, else kedaqueue].
    #[arg(long, value_name = "NAME", env = "SERVICEBUS_QUEUE")]
    pub queue: Option<String>,
    /// Where queue counts are read [default: https://<namespace>/; http://<host>:5300/ with
    /// UseDevelopmentEmulator=true].
    #[arg(long, value_name = "URL", env = "SERVICEBUS_MANAGEMENT_URL")]
    pub management_url: Option<String>,
    /// How often queue counts are read: `1s`, `500ms`, `2` (seconds), like every duration flag.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_interval)]
    pub count_interval: Duration,
}

/// A duration like every flag's (`1s`, `500ms`, `1.5s`, `2m`, `2`: seconds); between 100 ms and
/// 10 min.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let seconds = kedatui_core::duration::parse_duration(text)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    if !(0.1..=600.0).contains(&seconds) {
        return Err(format!(
            "`{text}`: the count interval must be between 100ms and 10m"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

impl ServiceBusArgs {
    /// `None` when nothing is configured (the console then runs the simulator).
    pub fn resolve(&self) -> Result<Option<ServiceBusConfig>, ConnectionStringError> {
        self.resolve_env(ServiceBusEnv::from_process())
    }

    /// [`resolve`](Self::resolve) with `$SERVICEBUS_CONNECTION_STRING`'s value given and no
    /// manage connection string in the environment (`--manage-connection-string-file` still counts).
    pub fn resolve_with(
        &self,
        env_value: Option<String>,
    ) -> Result<Option<ServiceBusConfig>, ConnectionStringError> {
        self.resolve_env(ServiceBusEnv {
            connection_string: env_value,
            manage_connection_string: None,
        })
    }

    /// Where the manage connection string comes from, for messages (never its value).
    pub fn manage_source(&self) -> String {
        self.manage_connection_string_file.as_ref().map_or_else(
            || format!("${MANAGE_CONNECTION_STRING_ENV}"),
            |p| format!("--manage-connection-string-file {}", p.display()),
        )
    }

    /// [`resolve`](Self::resolve) with both environment variables given.
    pub fn resolve_env(
        &self,
        env: ServiceBusEnv,
    ) -> Result<Option<ServiceBusConfig>, ConnectionStringError> {
        let text = read_source(
            self.connection_string_file.as_ref(),
            env.connection_string,
            CONNECTION_STRING_ENV,
        )?;
        let manage_text = read_source(
            self.manage_connection_string_file.as_ref(),
            env.manage_connection_string,
            MANAGE_CONNECTION_STRING_ENV,
        )
        .map_err(|e| self.manage_error(e))?;
        let namespace = self
            .fully_qualified_namespace
            .as_deref()
            .filter(|n| !n.trim().is_empty());
        let connection = match (text, namespace) {
            (Some(_), Some(_)) => return Err(ConnectionStringError::BothSignIns),
            (Some(text), None) => Some(connection::parse(&text)?),
            (None, Some(namespace)) => Some(connection::keyless(
                namespace,
                kedatui_servicebus::entra::EntraAuth::developer_tools(),
            )?),
            (None, None) => None,
        };
        let Some(connection) = connection else {
            return match manage_text {
                Some(_) => Err(ConnectionStringError::ManageWithoutConnection {
                    from: self.manage_source(),
                    send_env: CONNECTION_STRING_ENV,
                }),
                None => Ok(None),
            };
        };
        let manage_connection = match manage_text {
            Some(t) => Some(connection::parse(&t).map_err(|e| self.manage_error(e))?),
            None => None,
        };
        if let (Some(queue), Some(entity)) = (&self.queue, &connection.entity_path)
            && !queue.trim().eq_ignore_ascii_case(entity)
        {
            return Err(ConnectionStringError::QueueEntityMismatch {
                queue: queue.trim().to_owned(),
                entity: entity.clone(),
            });
        }
        let queue = self
            .queue
            .clone()
            .or_else(|| connection.entity_path.clone())
            .unwrap_or_else(|| names::QUEUE.to_owned());
        if queue.trim().is_empty() {
            return Err(ConnectionStringError::EmptyQueue);
        }
        let queue = queue.trim();
        if let Some(manage) = &manage_connection {
            // Counts from another namespace would show a queue the bursts never reach.
            if manage.endpoint() != connection.endpoint() {
                return Err(ConnectionStringError::NamespaceMismatch {
                    send: connection.endpoint(),
                    manage: manage.endpoint(),
                });
            }
            // A queue-scoped policy only opens its own queue (docs/keda-semantics.md §6.6).
            if let Some(scoped) = manage.entity_path.as_deref().filter(|e| *e != queue) {
                return Err(ConnectionStringError::ManageQueueMismatch {
                    manage_queue: scoped.to_owned(),
                    queue: queue.to_owned(),
                });
            }
        }
        let mut cfg = ServiceBusConfig::new(connection, queue);
        cfg.manage_connection = manage_connection;
        if let Some(url) = &self.management_url {
            let parsed = Url::parse(url).map_err(|e| ConnectionStringError::BadManagementUrl {
                reason: e.to_string(),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConnectionStringError::BadManagementUrl {
                    reason: format!("scheme `{}` is not http or https", parsed.scheme()),
                });
            }
            cfg.management_url = parsed;
        }
        cfg.count_interval = self.count_interval;
        Ok(Some(cfg))
    }

    fn manage_error(&self, error: ConnectionStringError) -> ConnectionStringError {
        ConnectionStringError::Manage {
            from: self.manage_source(),
            error: Box::new(error),
        }
    }

    /// For the headless commands: a configuration, or the exit code 2 with a specific message.
    pub fn require(&self) -> Result<ServiceBusConfig, ExitCode> {
        match self.resolve() {
            Ok(Some(cfg)) => Ok(cfg),
            Ok(None) => {
                eprintln!(
                    "kedatui: no Service Bus configured: set {CONNECTION_STRING_ENV} or pass --connection-string-file FILE (keys), or pass --fully-qualified-namespace NAME.servicebus.windows.net (Entra ID, after `az login`)"
                );
                Err(ExitCode::from(EXIT_BAD_INPUT))
            }
            Err(e) => {
                eprintln!("kedatui: {e}");
                Err(ExitCode::from(EXIT_BAD_INPUT))
            }
        }
    }
}

/// The largest connection string file read: a connection string is a few hundred bytes.
pub const MAX_CONNECTION_STRING_FILE_BYTES: u64 = 64 << 10;

/// A connection string from its file, else the environment variable `var`; `None` when neither
/// is set. A variable set to nothing (or blanks) is an error, not "unset": the console would
/// otherwise quietly run the simulator while the speaker believes it is live.
fn read_source(
    file: Option<&PathBuf>,
    env_value: Option<String>,
    var: &'static str,
) -> Result<Option<String>, ConnectionStringError> {
    match file {
        Some(path) => kedatui_core::files::read_text(
            path,
            MAX_CONNECTION_STRING_FILE_BYTES,
            "a connection string file",
        )
        .map(Some)
        .map_err(|e| ConnectionStringError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
        None => match env_value {
            Some(v) if v.trim().is_empty() => {
                Err(ConnectionStringError::EmptyVariable { name: var })
            }
            v => Ok(v),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn args() -> ServiceBusArgs {
        ServiceBusArgs {
            count_interval: Duration::from_secs(1),
            ..Default::default()
        }
    }

    #[test]
    fn nothing_configured_means_simulator() {
        assert!(args().resolve_with(None).unwrap().is_none());
    }

    /// #10.5: a set-but-empty variable (a failed `$(az …)`) or an empty file is bad input that
    /// names its source, never "nothing configured".
    #[test]
    fn empty_variables_and_files_are_bad_input_naming_their_source() {
        let good =
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=r;SharedAccessKey=k";
        let empty_file = tempfile::NamedTempFile::new().unwrap();
        let env = |send: Option<&str>, manage: Option<&str>| ServiceBusEnv {
            connection_string: send.map(str::to_owned),
            manage_connection_string: manage.map(str::to_owned),
        };
        let from_file = |manage: bool| {
            let path = Some(empty_file.path().to_owned());
            if manage {
                ServiceBusArgs {
                    manage_connection_string_file: path,
                    ..args()
                }
            } else {
                ServiceBusArgs {
                    connection_string_file: path,
                    ..args()
                }
            }
        };
        let cases = [
            (
                "empty send",
                args(),
                env(Some(""), None),
                "SERVICEBUS_CONNECTION_STRING is set but empty",
            ),
            (
                "blank send",
                args(),
                env(Some(" \n"), None),
                "SERVICEBUS_CONNECTION_STRING is set but empty",
            ),
            (
                "empty manage",
                args(),
                env(Some(good), Some("")),
                "SERVICEBUS_MANAGE_CONNECTION_STRING is set but empty",
            ),
            (
                "empty send file",
                from_file(false),
                env(None, None),
                "connection string is empty",
            ),
            (
                "empty manage file",
                from_file(true),
                env(Some(good), None),
                "--manage-connection-string-file",
            ),
        ];
        for (name, args, env, want) in cases {
            let err = args.resolve_env(env).expect_err(name).to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }

    #[test]
    fn queue_and_management_url_defaults() {
        let cs =
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=a=";
        let cfg = args().resolve_with(Some(cs.into())).unwrap().unwrap();
        assert_eq!(cfg.queue, names::QUEUE);
        assert_eq!(
            cfg.management_url.as_str(),
            "https://ns.servicebus.windows.net/"
        );
        let cfg = args()
            .resolve_with(Some(format!("{cs};EntityPath=orders")))
            .unwrap()
            .unwrap();
        assert_eq!(cfg.queue, "orders");
        let explicit = ServiceBusArgs {
            queue: Some("other".into()),
            management_url: Some("http://127.0.0.1:9/".into()),
            ..args()
        };
        let cfg = explicit.resolve_with(Some(cs.into())).unwrap().unwrap();
        assert_eq!(
            (cfg.queue.as_str(), cfg.management_url.as_str()),
            ("other", "http://127.0.0.1:9/")
        );
        // An EntityPath for another queue than --queue is bad input (#10 item 9).
        let err = explicit
            .resolve_with(Some(format!("{cs};EntityPath=orders")))
            .unwrap_err();
        assert!(
            matches!(err, ConnectionStringError::QueueEntityMismatch { .. }),
            "{err}"
        );
        let same = ServiceBusArgs {
            queue: Some("Orders".into()),
            ..args()
        };
        let cfg = same
            .resolve_with(Some(format!("{cs};EntityPath=orders")))
            .unwrap()
            .unwrap();
        assert_eq!(cfg.queue, "Orders", "entity names are case-insensitive");
        let bad = ServiceBusArgs {
            management_url: Some("ftp://x/".into()),
            ..args()
        };
        assert!(matches!(
            bad.resolve_with(Some(cs.into())),
            Err(ConnectionStringError::BadManagementUrl { .. })
        ));
    }

    #[test]
    fn a_manage_connection_string_signs_counts_and_purge_only() {
        let cs = |rule: &str, extra: &str| {
            format!(
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName={rule};SharedAccessKey=a={extra}"
            )
        };
        let env = |send: Option<String>, manage: Option<String>| ServiceBusEnv {
            connection_string: send,
            manage_connection_string: manage,
        };
        // Unset: everything on the main string, as before.
        let cfg = args()
            .resolve_env(env(Some(cs("send", "")), None))
            .unwrap()
            .unwrap();
        assert!(cfg.manage_connection.is_none());
        assert_eq!(cfg.counts_connection().key_name, "send");
        assert_eq!(cfg.purge_connection().key_name, "send");
        // Set: counts and purge on it, sends on the main string; a matching EntityPath is fine.
        let cfg = args()
            .resolve_env(env(
                Some(cs("send", ";EntityPath=kedaqueue")),
                Some(cs("manage", ";EntityPath=kedaqueue")),
            ))
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                cfg.connection.key_name.as_str(),
                cfg.counts_connection().key_name.as_str(),
                cfg.purge_connection().key_name.as_str(),
                cfg.count_probe().is_ok(),
            ),
            ("send", "manage", "manage", true)
        );
        // From a file, which wins over the variable.
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(cs("from-file", "").as_bytes()).unwrap();
        let with_file = ServiceBusArgs {
            manage_connection_string_file: Some(file.path().to_owned()),
            ..args()
        };
        let cfg = with_file
            .resolve_env(env(Some(cs("send", "")), Some(cs("manage", ""))))
            .unwrap()
            .unwrap();
        assert_eq!(cfg.counts_connection().key_name, "from-file");
        // An unreadable file names the flag.
        let missing = ServiceBusArgs {
            manage_connection_string_file: Some("/nonexistent/manage-cs".into()),
            ..args()
        };
        let e = missing
            .resolve_env(env(Some(cs("send", "")), None))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("--manage-connection-string-file /nonexistent/manage-cs"),
            "{e}"
        );
        // The same endpoint compares equal whatever the case or an explicit default port.
        let cfg = args()
            .resolve_env(env(
                Some(cs("send", "")),
                Some(
                    "Endpoint=sb://NS.servicebus.windows.net:5671/;SharedAccessKeyName=m;SharedAccessKey=b="
                        .into(),
                ),
            ))
            .unwrap()
            .unwrap();
        assert_eq!(cfg.counts_connection().key_name, "m");
    }

    #[test]
    fn flag_values() {
        assert_eq!(parse_interval("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert!(parse_interval("10ms").is_err());
        assert!(parse_interval("1h").is_err());
    }
}
