//! Which queue the console, `send`, `queue`, `purge` and `doctor` talk to: the `--scaler` flag,
//! then the Service Bus or RabbitMQ settings it picks. The one place in the console that
//! chooses a broker; everything after works on `kedatui_core::queue::Queue`.

use std::path::PathBuf;
use std::process::ExitCode;

use kedatui_core::model::names;
use kedatui_core::queue::{Queue, Scaler};
use kedatui_core::rabbitmq::{
    BrokerUrl, RABBITMQ_MANAGEMENT_URL_ENV, RABBITMQ_URL_ENV, RabbitMqConfig, UrlError,
};
use kedatui_servicebus::EXIT_BAD_INPUT;
use kedatui_servicebus::connection::ConnectionStringError;

use super::servicebus::{ServiceBusArgs, ServiceBusEnv};

/// `--scaler`: named as KEDA's trigger types are, without the vendor prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScalerArg {
    /// Azure Service Bus (KEDA trigger `azure-servicebus`).
    Servicebus,
    /// RabbitMQ (KEDA trigger `rabbitmq`).
    Rabbitmq,
}

impl From<ScalerArg> for Scaler {
    fn from(s: ScalerArg) -> Scaler {
        match s {
            ScalerArg::Servicebus => Scaler::ServiceBus,
            ScalerArg::Rabbitmq => Scaler::RabbitMq,
        }
    }
}

/// Where the RabbitMQ connection comes from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RabbitMqArgs {
    /// Read the RabbitMQ URL (amqp://user:pass@host:5672/vhost) from FILE instead of
    /// $RABBITMQ_URL.
    #[arg(long, value_name = "FILE")]
    pub rabbitmq_url_file: Option<PathBuf>,
    /// The RabbitMQ management API [default: the AMQP host on port 15672, same credentials;
    /// https for amqps].
    #[arg(long, value_name = "URL", env = RABBITMQ_MANAGEMENT_URL_ENV, hide_env_values = true)]
    pub rabbitmq_management_url: Option<String>,
}

/// The queue's flags: the scaler and each broker's settings.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QueueArgs {
    /// Which KEDA scaler's queue [default: servicebus; rabbitmq when only RabbitMQ is
    /// configured].
    #[arg(long, value_enum, env = "KEDATUI_SCALER")]
    pub scaler: Option<ScalerArg>,
    #[command(flatten)]
    pub servicebus: ServiceBusArgs,
    #[command(flatten)]
    pub rabbitmq: RabbitMqArgs,
}

/// The secrets' environment variables, read once (tests pass their own). `Debug` never shows
/// the values.
#[derive(Clone, Default)]
pub struct QueueEnv {
    pub servicebus: ServiceBusEnv,
    /// `$RABBITMQ_URL`
    pub rabbitmq_url: Option<String>,
}

impl QueueEnv {
    /// Service Bus's variables alone (tests).
    pub fn servicebus(servicebus: ServiceBusEnv) -> Self {
        Self {
            servicebus,
            rabbitmq_url: None,
        }
    }

    pub fn from_process() -> Self {
        Self {
            servicebus: ServiceBusEnv::from_process(),
            rabbitmq_url: std::env::var(RABBITMQ_URL_ENV).ok(),
        }
    }
}

impl std::fmt::Debug for QueueEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueEnv")
            .field("servicebus", &self.servicebus)
            .field(
                "rabbitmq_url",
                &self.rabbitmq_url.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Why the queue's settings cannot be used: one sentence, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum QueueConfigError {
    #[error(transparent)]
    ServiceBus(#[from] ConnectionStringError),
    #[error("{from}: {error}")]
    RabbitMqUrl { from: String, error: UrlError },
    #[error("${RABBITMQ_MANAGEMENT_URL_ENV} / --rabbitmq-management-url: {0}")]
    ManagementUrl(UrlError),
    #[error("cannot read the RabbitMQ URL file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("${RABBITMQ_URL_ENV} is set but empty")]
    EmptyVariable,
    #[error(
        "both Service Bus and RabbitMQ are configured; pass --scaler servicebus or --scaler rabbitmq"
    )]
    BothConfigured,
    #[error(
        "--scaler rabbitmq needs ${RABBITMQ_URL_ENV} (amqp://user:pass@host:5672/vhost) or --rabbitmq-url-file FILE"
    )]
    NoRabbitMq,
}

/// The largest URL file read.
const MAX_URL_FILE_BYTES: u64 = 64 << 10;

impl RabbitMqArgs {
    /// The URL text and where it came from (for messages); `None` when not configured.
    fn url_text(
        &self,
        env_value: Option<String>,
    ) -> Result<Option<(String, String)>, QueueConfigError> {
        match &self.rabbitmq_url_file {
            Some(path) => kedatui_core::files::read_text(path, MAX_URL_FILE_BYTES, "a URL file")
                .map(|t| Some((t, format!("--rabbitmq-url-file {}", path.display()))))
                .map_err(|e| QueueConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
            None => match env_value {
                Some(v) if v.trim().is_empty() => Err(QueueConfigError::EmptyVariable),
                Some(v) => Ok(Some((v, format!("${RABBITMQ_URL_ENV}")))),
                None => Ok(None),
            },
        }
    }
}

impl QueueArgs {
    /// `None` when nothing is configured (the console then runs the simulator).
    pub fn resolve(&self) -> Result<Option<Queue>, QueueConfigError> {
        self.resolve_env(QueueEnv::from_process())
    }

    /// [`resolve`](Self::resolve) with the environment given.
    pub fn resolve_env(&self, env: QueueEnv) -> Result<Option<Queue>, QueueConfigError> {
        let rabbit = self.rabbitmq.url_text(env.rabbitmq_url)?;
        let servicebus = || self.servicebus.resolve_env(env.servicebus.clone());
        let scaler = match self.scaler {
            Some(s) => Scaler::from(s),
            None if rabbit.is_some() => {
                if servicebus()?.is_some() {
                    return Err(QueueConfigError::BothConfigured);
                }
                Scaler::RabbitMq
            }
            None => Scaler::ServiceBus,
        };
        match scaler {
            Scaler::ServiceBus => Ok(servicebus()?.map(Queue::ServiceBus)),
            Scaler::RabbitMq => {
                let Some((text, from)) = rabbit else {
                    return Ok(None);
                };
                let url = BrokerUrl::parse_amqp(&text)
                    .map_err(|error| QueueConfigError::RabbitMqUrl { from, error })?;
                let queue = self
                    .servicebus
                    .queue
                    .as_deref()
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .unwrap_or(names::QUEUE);
                let mut cfg = RabbitMqConfig::new(url, queue);
                if let Some(m) = &self.rabbitmq.rabbitmq_management_url {
                    cfg.management = BrokerUrl::parse_management(m)
                        .map_err(QueueConfigError::ManagementUrl)?
                        .with_credentials_of(&cfg.url);
                }
                cfg.count_interval = self.servicebus.count_interval;
                Ok(Some(Queue::RabbitMq(cfg)))
            }
        }
    }

    /// These flags with `--scaler` set to `scaler` (live mode's pick from the ScaledObject).
    pub fn with_scaler(&self, scaler: Scaler) -> QueueArgs {
        QueueArgs {
            scaler: Some(match scaler {
                Scaler::ServiceBus => ScalerArg::Servicebus,
                Scaler::RabbitMq => ScalerArg::Rabbitmq,
            }),
            ..self.clone()
        }
    }

    /// The scaler the flags pick, when they pick one (live mode otherwise asks the ScaledObject).
    pub fn scaler_flag(&self) -> Option<Scaler> {
        self.scaler.map(Scaler::from)
    }

    /// For the headless commands: a queue, or exit code 2 with a specific message.
    pub fn require(&self) -> Result<Queue, ExitCode> {
        match self.resolve() {
            Ok(Some(q)) => Ok(q),
            Ok(None) if self.scaler_flag() == Some(Scaler::RabbitMq) => {
                eprintln!("kedatui: {}", QueueConfigError::NoRabbitMq);
                Err(ExitCode::from(EXIT_BAD_INPUT))
            }
            Ok(None) => self.servicebus.require().map(Queue::ServiceBus),
            Err(e) => {
                eprintln!("kedatui: {e}");
                Err(ExitCode::from(EXIT_BAD_INPUT))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(sb: Option<&str>, rabbit: Option<&str>) -> QueueEnv {
        QueueEnv {
            servicebus: ServiceBusEnv {
                connection_string: sb.map(str::to_owned),
                manage_connection_string: None,
            },
            rabbitmq_url: rabbit.map(str::to_owned),
        }
    }

    const SB: &str =
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=r;SharedAccessKey=k";
    const RABBIT: &str = "amqp://speaker:s3cret@broker:5672/demo";

    fn args(scaler: Option<ScalerArg>) -> QueueArgs {
        QueueArgs {
            scaler,
            servicebus: ServiceBusArgs {
                count_interval: std::time::Duration::from_secs(1),
                ..ServiceBusArgs::default()
            },
            ..QueueArgs::default()
        }
    }

    #[test]
    fn the_flag_then_what_is_configured_picks_the_scaler() {
        // (flag, Service Bus set, RabbitMQ set, picked: Some(scaler) / None = simulator / Err)
        type Case = (
            Option<ScalerArg>,
            bool,
            bool,
            Result<Option<Scaler>, &'static str>,
        );
        let cases: [Case; 7] = [
            (None, false, false, Ok(None)),
            (None, true, false, Ok(Some(Scaler::ServiceBus))),
            (None, false, true, Ok(Some(Scaler::RabbitMq))),
            (None, true, true, Err("both Service Bus and RabbitMQ")),
            (
                Some(ScalerArg::Servicebus),
                true,
                true,
                Ok(Some(Scaler::ServiceBus)),
            ),
            (
                Some(ScalerArg::Rabbitmq),
                true,
                true,
                Ok(Some(Scaler::RabbitMq)),
            ),
            (Some(ScalerArg::Rabbitmq), true, false, Ok(None)),
        ];
        for (flag, sb, rabbit, want) in cases {
            let got = args(flag).resolve_env(env(sb.then_some(SB), rabbit.then_some(RABBIT)));
            match (got, want) {
                (Ok(q), Ok(w)) => assert_eq!(q.map(|q| q.scaler()), w, "{flag:?} {sb} {rabbit}"),
                (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{e}"),
                (got, want) => panic!("{flag:?} {sb} {rabbit}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn a_bad_rabbitmq_url_is_named_by_its_source_without_its_text() {
        let bad = "http://speaker:s3cret@broker/";
        let e = args(None).resolve_env(env(None, Some(bad))).unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("$RABBITMQ_URL: "), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let e = args(None).resolve_env(env(None, Some("  "))).unwrap_err();
        assert!(e.to_string().contains("set but empty"), "{e}");
    }

    #[test]
    fn rabbitmq_takes_the_queue_flag_and_the_management_url() {
        let mut a = args(None);
        a.servicebus.queue = Some(" orders ".into());
        a.rabbitmq.rabbitmq_management_url = Some("https://admin:pw@mgmt.example:443/".into());
        let Some(Queue::RabbitMq(cfg)) = a.resolve_env(env(None, Some(RABBIT))).unwrap() else {
            panic!("RabbitMQ expected");
        };
        assert_eq!(cfg.queue, "orders");
        assert_eq!(cfg.management.url().host_str(), Some("mgmt.example"));
        assert_eq!(cfg.management.url().username(), "admin");
        a.rabbitmq.rabbitmq_management_url = Some("http://mgmt.example:15672/".into());
        let Some(Queue::RabbitMq(cfg)) = a.resolve_env(env(None, Some(RABBIT))).unwrap() else {
            panic!("RabbitMQ expected");
        };
        assert_eq!(
            (
                cfg.management.url().username(),
                cfg.management.url().password()
            ),
            ("speaker", Some("s3cret")),
            "a management URL without a user takes RABBITMQ_URL's"
        );
        assert_eq!(cfg.url.vhost(), "demo");
        assert!(!format!("{:?}", env(Some(SB), Some(RABBIT))).contains("s3cret"));
    }
}
