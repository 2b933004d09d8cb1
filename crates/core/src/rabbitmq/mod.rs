//! RabbitMQ as KEDA's rabbitmq scaler reads it, without I/O (docs/keda-semantics.md §10.1):
//! the trigger's metadata, the connection URLs, the queue's counts from the management API or a
//! passive declare, and the value and activity KEDA derives from them. Upstream:
//! `pkg/scalers/rabbitmq_scaler.go` (`Validate`, `validateTrigger`, `getQueueStatus`,
//! `GetMetricsAndActivity`).
//!
//! [`ManagementApi`] reads a queue's counts over the management API (the HTTP side of KEDA's
//! scaler). [`publisher`] sends bursts (persistent, confirmed, pipelined) and [`queue`] puts
//! them behind the one queue interface (`crate::queue`).

pub mod errors;
pub mod publisher;
pub mod queue;

pub use queue::{RABBITMQ_MANAGEMENT_URL_ENV, RABBITMQ_URL_ENV, RabbitMqConfig};

use std::collections::BTreeMap;
use std::fmt;

use reqwest::Url;
use serde::Deserialize;

use crate::event::{ErrorKind, SourceError};

/// KEDA's default `value` when a trigger sets neither `mode`, `value` nor `queueLength`.
pub const DEFAULT_QUEUE_LENGTH: f64 = 20.0;
/// The management plugin's default port.
pub const MANAGEMENT_PORT: u16 = 15672;

/// What the trigger's value measures (`mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Messages in the queue (`messages`, or `messages_ready` with `excludeUnacknowledged`).
    QueueLength,
    /// Messages published per second (`message_stats.publish_details.rate`).
    MessageRate,
    /// Messages delivered or fetched per second (`deliver_get_details.rate`).
    DeliverGetRate,
    /// Publish rate over deliver rate.
    PublishedToDeliveredRatio,
    /// Seconds until the queue is empty at the current rates.
    ExpectedQueueConsumptionTime,
}

impl Mode {
    /// The name KEDA's metadata uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::QueueLength => "QueueLength",
            Mode::MessageRate => "MessageRate",
            Mode::DeliverGetRate => "DeliverGetRate",
            Mode::PublishedToDeliveredRatio => "PublishedToDeliveredRatio",
            Mode::ExpectedQueueConsumptionTime => "ExpectedQueueConsumptionTime",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        [
            Mode::QueueLength,
            Mode::MessageRate,
            Mode::DeliverGetRate,
            Mode::PublishedToDeliveredRatio,
            Mode::ExpectedQueueConsumptionTime,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }

    /// Every mode but QueueLength needs the management API's rates.
    fn http_only(self) -> bool {
        self != Mode::QueueLength
    }
}

/// How KEDA reads the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// The management API over HTTP: counts and rates.
    Http,
    /// A passive queue declare over AMQP: ready messages only, no rates.
    Amqp,
}

/// A rabbitmq trigger's settings as KEDA validates them.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub queue_name: String,
    pub mode: Mode,
    pub value: f64,
    pub activation_value: f64,
    pub protocol: Protocol,
    pub exclude_unacknowledged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    #[error("the rabbitmq trigger has no queueName")]
    NoQueueName,
    #[error("the rabbitmq trigger's {key} is not a number: {value:?}")]
    NotANumber { key: &'static str, value: String },
    #[error("the rabbitmq trigger's {key} is not true or false: {value:?}")]
    NotABool { key: &'static str, value: String },
    #[error("the rabbitmq trigger's protocol has to be amqp, http or auto, not {0:?}")]
    Protocol(String),
    #[error(
        "the rabbitmq trigger's host has an unknown URL scheme {0:?} (amqp, amqps, http or https)"
    )]
    Scheme(String),
    #[error("queueLength is deprecated; use mode and value")]
    DeprecatedWithMode,
    #[error("the rabbitmq trigger sets value without mode")]
    NoMode,
    #[error("the rabbitmq trigger sets mode without value")]
    NoValue,
    #[error(
        "trigger mode {0} must be one of QueueLength, MessageRate, DeliverGetRate, PublishedToDeliveredRatio or ExpectedQueueConsumptionTime"
    )]
    UnknownMode(String),
    #[error("mode {0} needs protocol http (the management API's rates)")]
    HttpOnlyMode(&'static str),
    #[error("excludeUnacknowledged=true works only with protocol http")]
    ExcludeNeedsHttp,
}

impl Trigger {
    /// From the trigger's `metadata` and its resolved `host`'s URL scheme (for `protocol: auto`),
    /// in the order of KEDA's `Validate` and `validateTrigger`.
    pub fn from_metadata(
        metadata: &BTreeMap<String, String>,
        host_scheme: &str,
    ) -> Result<Trigger, TriggerError> {
        let get = |key: &str| metadata.get(key).map(String::as_str);
        let number = |key: &'static str| -> Result<f64, TriggerError> {
            match get(key) {
                None => Ok(0.0),
                Some(v) => v.trim().parse().map_err(|_| TriggerError::NotANumber {
                    key,
                    value: v.to_owned(),
                }),
            }
        };
        let queue_name = get("queueName")
            .filter(|q| !q.is_empty())
            .ok_or(TriggerError::NoQueueName)?
            .to_owned();
        let exclude_unacknowledged = match get("excludeUnacknowledged") {
            None => false,
            Some(v) => v.parse().map_err(|_| TriggerError::NotABool {
                key: "excludeUnacknowledged",
                value: v.to_owned(),
            })?,
        };
        let protocol = match get("protocol").unwrap_or("auto") {
            "http" => Protocol::Http,
            "amqp" => Protocol::Amqp,
            "auto" => match host_scheme {
                "amqp" | "amqps" => Protocol::Amqp,
                "http" | "https" => Protocol::Http,
                other => return Err(TriggerError::Scheme(other.to_owned())),
            },
            other => return Err(TriggerError::Protocol(other.to_owned())),
        };
        if exclude_unacknowledged && protocol != Protocol::Http {
            return Err(TriggerError::ExcludeNeedsHttp);
        }
        let queue_length = number("queueLength")?;
        let value = number("value")?;
        let activation_value = number("activationValue")?;
        let mode = get("mode");
        let (mode, value) = match (queue_length, mode, value) {
            (q, None, v) if q == 0.0 && v == 0.0 => (Mode::QueueLength, DEFAULT_QUEUE_LENGTH),
            (q, m, v) if q != 0.0 && (m.is_some() || v != 0.0) => {
                return Err(TriggerError::DeprecatedWithMode);
            }
            (q, _, _) if q != 0.0 => (Mode::QueueLength, q),
            (_, None, _) => return Err(TriggerError::NoMode),
            (_, Some(_), 0.0) => return Err(TriggerError::NoValue),
            (_, Some(m), v) => (
                Mode::parse(m).ok_or_else(|| TriggerError::UnknownMode(m.to_owned()))?,
                v,
            ),
        };
        if mode.http_only() && protocol != Protocol::Http {
            return Err(TriggerError::HttpOnlyMode(mode.as_str()));
        }
        Ok(Trigger {
            queue_name,
            mode,
            value,
            activation_value,
            protocol,
            exclude_unacknowledged,
        })
    }
}

/// `GET /api/queues/{vhost}/{queue}`, the fields KEDA reads (absent ones are 0, as in Go).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct QueueInfo {
    #[serde(default)]
    pub messages: u64,
    #[serde(default)]
    pub messages_ready: u64,
    #[serde(default)]
    pub messages_unacknowledged: u64,
    #[serde(default)]
    pub message_stats: MessageStats,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct MessageStats {
    #[serde(default)]
    pub publish_details: Rate,
    #[serde(default)]
    pub deliver_get_details: Rate,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Rate {
    #[serde(default)]
    pub rate: f64,
}

/// What KEDA's `getQueueStatus` returns: the message count it uses and the two rates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueStatus {
    pub messages: u64,
    pub publish_rate: f64,
    pub deliver_get_rate: f64,
}

impl QueueStatus {
    /// Over HTTP: `messages` (ready + unacknowledged), or `messages_ready` alone.
    pub fn from_http(info: &QueueInfo, exclude_unacknowledged: bool) -> Self {
        QueueStatus {
            messages: if exclude_unacknowledged {
                info.messages_ready
            } else {
                info.messages
            },
            publish_rate: info.message_stats.publish_details.rate,
            deliver_get_rate: info.message_stats.deliver_get_details.rate,
        }
    }

    /// Over AMQP: a passive declare's message count (ready messages only), no rates.
    pub fn from_declare(message_count: u32) -> Self {
        QueueStatus {
            messages: u64::from(message_count),
            publish_rate: 0.0,
            deliver_get_rate: 0.0,
        }
    }
}

/// The metric value KEDA serves to the HPA and whether the trigger is active
/// (`GetMetricsAndActivity`).
pub fn metric_and_activity(trigger: &Trigger, status: QueueStatus) -> (f64, bool) {
    let activation = trigger.activation_value;
    let messages = status.messages as f64;
    let (publish, deliver) = (status.publish_rate, status.deliver_get_rate);
    match trigger.mode {
        Mode::QueueLength => (messages, messages > activation),
        Mode::MessageRate => (publish, publish > activation || messages > activation),
        Mode::DeliverGetRate => (deliver, deliver > activation),
        Mode::PublishedToDeliveredRatio => {
            let ratio = if publish > 0.0 && deliver == 0.0 {
                activation
            } else if publish > 0.0 && deliver > 0.0 {
                publish / deliver
            } else {
                0.0
            };
            (
                ratio,
                ratio > activation || (publish > 0.0 && deliver == 0.0),
            )
        }
        Mode::ExpectedQueueConsumptionTime => {
            let eta = if status.messages == 0 {
                0.0
            } else if deliver == 0.0 {
                activation
            } else {
                (publish - deliver) / deliver + messages / deliver
            };
            (
                eta,
                eta > activation || (deliver == 0.0 && status.messages > 0),
            )
        }
    }
}

/// A RabbitMQ URL whose password never shows: `Display` and `Debug` print `***` for it.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl(Url);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the RabbitMQ URL is not a URL ({0})")]
    Malformed(String),
    #[error(
        "the RabbitMQ URL has scheme {0:?}; RABBITMQ_URL is amqp:// or amqps://, the management URL http:// or https://"
    )]
    Scheme(String),
    #[error("the RabbitMQ URL has no host")]
    NoHost,
}

impl BrokerUrl {
    /// An `amqp://` or `amqps://` URL. The error never repeats the text (it may hold the password).
    pub fn parse_amqp(text: &str) -> Result<BrokerUrl, UrlError> {
        Self::parse(text, &["amqp", "amqps"])
    }

    /// A management API URL (`http://` or `https://`), for when it is not the default one.
    pub fn parse_management(text: &str) -> Result<BrokerUrl, UrlError> {
        Self::parse(text, &["http", "https"])
    }

    fn parse(text: &str, schemes: &[&str]) -> Result<BrokerUrl, UrlError> {
        let url = Url::parse(text.trim()).map_err(|e| UrlError::Malformed(e.to_string()))?;
        if !schemes.contains(&url.scheme()) {
            return Err(UrlError::Scheme(url.scheme().to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(UrlError::NoHost);
        }
        Ok(BrokerUrl(url))
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The vhost: the path without its leading `/`, percent-decoded; `/` when empty
    /// (RabbitMQ's URI spec: `amqp://host` and `amqp://host/` both mean the default vhost).
    pub fn vhost(&self) -> String {
        let path = self.0.path().strip_prefix('/').unwrap_or("");
        if path.is_empty() {
            return "/".into();
        }
        percent_decode(path)
    }

    /// The URL handed to the AMQP client: the vhost spelled out (`/%2F` for `/`), since lapin
    /// reads an empty path as the vhost `""`. Holds the password: never shown or logged.
    pub fn client_uri(&self) -> String {
        let mut url = self.0.clone();
        let vhost = percent_encoding::utf8_percent_encode(
            &self.vhost(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        url.set_path(&format!("/{vhost}"));
        url.to_string()
    }

    /// The user name (for messages: which credentials were refused).
    pub fn user(&self) -> String {
        percent_decode(self.0.username())
    }

    /// `host:port` (for messages), the port defaulting to 5672, or 5671 for amqps.
    pub fn host_port(&self) -> String {
        let default = if self.0.scheme() == "amqps" {
            5671
        } else {
            5672
        };
        format!(
            "{}:{}",
            self.0.host_str().unwrap_or(""),
            self.0.port().unwrap_or(default)
        )
    }

    /// This management URL, with `amqp`'s user and password when it names none (a
    /// `--rabbitmq-management-url http://host:15672/` means the same user as `RABBITMQ_URL`).
    pub fn with_credentials_of(mut self, amqp: &BrokerUrl) -> BrokerUrl {
        if self.0.username().is_empty() {
            let _ = self.0.set_username(amqp.0.username());
            let _ = self.0.set_password(amqp.0.password());
        }
        self
    }

    /// The management API's base URL when none is given: the same host and credentials on
    /// port 15672, over https for amqps (the management plugin's defaults).
    pub fn default_management(&self) -> BrokerUrl {
        let scheme = if self.0.scheme() == "amqps" {
            "https"
        } else {
            "http"
        };
        // An IPv6 host comes bracketed (`[::1]`), ready to put in a URL.
        let host = self.0.host_str().unwrap_or("localhost");
        let mut url = Url::parse(&format!("{scheme}://{host}:{MANAGEMENT_PORT}/"))
            .expect("a host from a parsed URL makes a URL");
        // Credentials carry over as they are (already percent-encoded in the URL).
        let _ = url.set_username(self.0.username());
        let _ = url.set_password(self.0.password());
        BrokerUrl(url)
    }
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        write!(f, "{shown}")
    }
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BrokerUrl({self})")
    }
}

/// The management API, as KEDA's scaler calls it with `protocol: http`.
pub struct ManagementApi {
    http: reqwest::Client,
    /// The base URL without credentials (they go in a header, never in a logged URL).
    base: Url,
    user: String,
    password: Option<String>,
}

impl ManagementApi {
    pub fn new(management: &BrokerUrl, timeout: std::time::Duration) -> Result<Self, SourceError> {
        let mut base = management.url().clone();
        let user = percent_decode(base.username());
        let password = base.password().map(percent_decode);
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SourceError {
                kind: ErrorKind::Other,
                message: format!("cannot set up the HTTP client: {e}"),
            })?;
        Ok(ManagementApi {
            http,
            base,
            user,
            password,
        })
    }

    /// `GET /api/queues/{vhost}/{queue}` (the vhost and queue percent-encoded, `/` as `%2F`).
    pub fn queue_url(&self, vhost: &str, queue: &str) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .pop_if_empty()
            .extend(["api", "queues", vhost, queue]);
        url
    }

    /// `PUT /api/queues/{vhost}/{queue}` with `{"durable":true}`: declares the queue (the lab's,
    /// when it is missing). A queue that exists with other arguments is refused (400), not
    /// changed.
    pub async fn declare_durable_queue(&self, vhost: &str, queue: &str) -> Result<(), SourceError> {
        let url = self.queue_url(vhost, queue);
        let response = self
            .http
            .put(url)
            .basic_auth(&self.user, self.password.as_deref())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(r#"{"durable":true}"#)
            .send()
            .await
            .map_err(|e| SourceError {
                kind: if e.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Unreachable
                },
                message: format!(
                    "the RabbitMQ management API at {} did not answer: {e}",
                    self.base
                ),
            })?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 => Err(SourceError {
                kind: ErrorKind::Unauthorized,
                message: format!(
                    "RabbitMQ refused the credentials of user `{}` (management API, 401)",
                    self.user
                ),
            }),
            status => Err(SourceError {
                kind: ErrorKind::Other,
                message: format!(
                    "RabbitMQ did not declare queue `{queue}` in vhost `{vhost}` (management API, {status})"
                ),
            }),
        }
    }

    /// The queue's counts and rates as the scaler reads them. A 404 is a missing queue (or
    /// vhost), a 401 refused credentials; the message never holds the password.
    pub async fn queue_info(&self, vhost: &str, queue: &str) -> Result<QueueInfo, SourceError> {
        let url = self.queue_url(vhost, queue);
        let response = self
            .http
            .get(url.clone())
            .basic_auth(&self.user, self.password.as_deref())
            .send()
            .await
            .map_err(|e| SourceError {
                kind: if e.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Unreachable
                },
                message: format!(
                    "the RabbitMQ management API at {} did not answer: {e}",
                    self.base
                ),
            })?;
        let status = response.status().as_u16();
        match status {
            200 => response.json().await.map_err(|e| SourceError {
                kind: ErrorKind::Other,
                message: format!("the RabbitMQ management API sent an unreadable queue ({e})"),
            }),
            401 => Err(SourceError {
                kind: ErrorKind::Unauthorized,
                message: format!(
                    "RabbitMQ refused the credentials of user `{}` (management API, 401)",
                    self.user
                ),
            }),
            404 => Err(SourceError {
                kind: ErrorKind::NotFound,
                message: format!(
                    "queue `{queue}` not found in vhost `{vhost}` (management API, 404)"
                ),
            }),
            _ => Err(SourceError {
                kind: ErrorKind::Other,
                message: format!("the RabbitMQ management API answered {status} for {url}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("queueName".to_string(), "q".to_string())])
            .collect()
    }

    #[test]
    fn trigger_metadata_as_keda_validates_it() {
        use TriggerError as E;
        // (metadata, host scheme, expected mode/value/protocol or error): cases from
        // validateTrigger and Validate in pkg/scalers/rabbitmq_scaler.go.
        type Want = Result<(Mode, f64, Protocol), TriggerError>;
        type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, Want);
        let cases: Vec<Case> = vec![
            (
                vec![],
                "amqp",
                Ok((Mode::QueueLength, 20.0, Protocol::Amqp)),
            ),
            (
                vec![],
                "https",
                Ok((Mode::QueueLength, 20.0, Protocol::Http)),
            ),
            (
                vec![("queueLength", "10")],
                "amqp",
                Ok((Mode::QueueLength, 10.0, Protocol::Amqp)),
            ),
            (
                vec![("queueLength", "10"), ("mode", "QueueLength")],
                "amqp",
                Err(E::DeprecatedWithMode),
            ),
            (
                vec![("queueLength", "10"), ("value", "5")],
                "amqp",
                Err(E::DeprecatedWithMode),
            ),
            (vec![("value", "5")], "amqp", Err(E::NoMode)),
            (vec![("mode", "QueueLength")], "amqp", Err(E::NoValue)),
            (
                vec![("mode", "QueueLength"), ("value", "100")],
                "amqp",
                Ok((Mode::QueueLength, 100.0, Protocol::Amqp)),
            ),
            (
                vec![("mode", "MessageRate"), ("value", "100")],
                "amqp",
                Err(E::HttpOnlyMode("MessageRate")),
            ),
            (
                vec![
                    ("mode", "MessageRate"),
                    ("value", "100"),
                    ("protocol", "http"),
                ],
                "amqp",
                Ok((Mode::MessageRate, 100.0, Protocol::Http)),
            ),
            (
                vec![("mode", "Bogus"), ("value", "1"), ("protocol", "http")],
                "http",
                Err(E::UnknownMode("Bogus".into())),
            ),
            (
                vec![("protocol", "smtp")],
                "amqp",
                Err(E::Protocol("smtp".into())),
            ),
            (vec![], "ftp", Err(E::Scheme("ftp".into()))),
            (
                vec![("excludeUnacknowledged", "true")],
                "amqp",
                Err(E::ExcludeNeedsHttp),
            ),
            (
                vec![("activationValue", "AA")],
                "amqp",
                Err(E::NotANumber {
                    key: "activationValue",
                    value: "AA".into(),
                }),
            ),
        ];
        for (pairs, scheme, want) in cases {
            let got = Trigger::from_metadata(&meta(&pairs), scheme)
                .map(|t| (t.mode, t.value, t.protocol));
            assert_eq!(got, want, "{pairs:?} with a {scheme} host");
        }
        let no_queue = Trigger::from_metadata(&BTreeMap::new(), "amqp");
        assert_eq!(no_queue, Err(E::NoQueueName));
    }

    #[test]
    fn counts_are_what_the_scaler_reads() {
        let body = r#"{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1,
            "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 0.8}},
            "name": "q", "consumers": 2}"#;
        let info: QueueInfo = serde_json::from_str(body).unwrap();
        let all = QueueStatus::from_http(&info, false);
        assert_eq!(all.messages, 4, "messages counts ready and unacknowledged");
        assert_eq!(
            QueueStatus::from_http(&info, true).messages,
            3,
            "excludeUnacknowledged: ready only"
        );
        assert_eq!((all.publish_rate, all.deliver_get_rate), (1.4, 0.8));
        // A queue with no traffic yet has no message_stats at all.
        let idle: QueueInfo = serde_json::from_str(r#"{"messages": 0, "name": "q"}"#).unwrap();
        assert_eq!(QueueStatus::from_http(&idle, false).publish_rate, 0.0);
        assert_eq!(QueueStatus::from_declare(7).messages, 7);
    }

    #[test]
    fn metric_and_activity_per_mode() {
        let trigger = |mode, activation_value| Trigger {
            queue_name: "q".into(),
            mode,
            value: 100.0,
            activation_value,
            protocol: Protocol::Http,
            exclude_unacknowledged: false,
        };
        let status = |messages, publish_rate, deliver_get_rate| QueueStatus {
            messages,
            publish_rate,
            deliver_get_rate,
        };
        // (mode, activationValue, status, metric, active): GetMetricsAndActivity's branches,
        // with cases from pkg/scalers/rabbitmq_scaler_test.go.
        let cases = [
            (Mode::QueueLength, 0.0, status(4, 0.0, 0.0), 4.0, true),
            (Mode::QueueLength, 4.0, status(4, 0.0, 0.0), 4.0, false),
            (Mode::QueueLength, 0.0, status(0, 9.0, 9.0), 0.0, false),
            (Mode::MessageRate, 0.0, status(0, 1.4, 0.0), 1.4, true),
            (Mode::MessageRate, 2.0, status(3, 1.4, 0.0), 1.4, true),
            (Mode::MessageRate, 2.0, status(1, 1.4, 0.0), 1.4, false),
            (Mode::DeliverGetRate, 0.0, status(30, 5.0, 1.0), 1.0, true),
            (Mode::DeliverGetRate, 0.0, status(0, 0.0, 0.0), 0.0, false),
            (
                Mode::PublishedToDeliveredRatio,
                0.0,
                status(10, 4.0, 2.0),
                2.0,
                true,
            ),
            (
                Mode::PublishedToDeliveredRatio,
                3.0,
                status(10, 4.0, 0.0),
                3.0,
                true,
            ),
            (
                Mode::PublishedToDeliveredRatio,
                0.0,
                status(10, 0.0, 2.0),
                0.0,
                false,
            ),
            (
                Mode::ExpectedQueueConsumptionTime,
                0.0,
                status(0, 1.0, 1.0),
                0.0,
                false,
            ),
            (
                Mode::ExpectedQueueConsumptionTime,
                5.0,
                status(3, 1.0, 0.0),
                5.0,
                true,
            ),
            (
                Mode::ExpectedQueueConsumptionTime,
                0.0,
                status(10, 3.0, 2.0),
                5.5,
                true,
            ),
        ];
        for (mode, activation, s, metric, active) in cases {
            assert_eq!(
                metric_and_activity(&trigger(mode, activation), s),
                (metric, active),
                "{mode:?}, activationValue {activation}, {s:?}"
            );
        }
    }

    #[test]
    fn broker_urls_hide_their_password() {
        let url = BrokerUrl::parse_amqp("amqp://demo:s3cr%40t@127.0.0.1:5673/talks").unwrap();
        assert_eq!(url.to_string(), "amqp://demo:***@127.0.0.1:5673/talks");
        assert!(!format!("{url:?}").contains("s3cr"));
        assert_eq!(url.vhost(), "talks");
        let management = url.default_management();
        assert_eq!(
            management.url().as_str(),
            "http://demo:s3cr%40t@127.0.0.1:15672/"
        );
        assert_eq!(management.to_string(), "http://demo:***@127.0.0.1:15672/");
        let tls = BrokerUrl::parse_amqp("amqps://broker.example/%2F").unwrap();
        assert_eq!(tls.vhost(), "/");
        assert_eq!(
            tls.default_management().url().as_str(),
            "https://broker.example:15672/"
        );
        assert_eq!(BrokerUrl::parse_amqp("amqp://h").unwrap().vhost(), "/");
        let v6 = BrokerUrl::parse_amqp("amqp://[::1]:5672/").unwrap();
        assert_eq!(
            v6.default_management().url().as_str(),
            "http://[::1]:15672/"
        );
        let refused = BrokerUrl::parse_amqp("http://u:hunter2@h/").unwrap_err();
        assert_eq!(refused, UrlError::Scheme("http".into()));
        assert!(BrokerUrl::parse_management("http://u:p@h:15672/").is_ok());
        let amqp_as_management = BrokerUrl::parse_management("amqp://u:p@h/").unwrap_err();
        assert_eq!(amqp_as_management, UrlError::Scheme("amqp".into()));
        let malformed = BrokerUrl::parse_amqp("amqp://u:hunter2@[bad").unwrap_err();
        assert!(!malformed.to_string().contains("hunter2"), "{malformed}");
    }
}
