//! RabbitMQ behind [`Queue`]: lapin (AMQP 0-9-1) with manual acks. One connection, one channel,
//! one consumer with `basic.qos(prefetch = CONCURRENCY)`, so the broker never has more messages
//! out to this pod than it works on at once. A message is acked only once its work is done, and
//! abandoning is `basic.nack(requeue = true)`. The queue must exist: it is declared passively,
//! never created, so a typo in QUEUE_NAME fails clearly instead of consuming from a new queue.
//!
//! Connection loss fails the receive call in progress (classified like any other failure; the
//! shared loop retries a few times, then exits). The next call connects again; the broker has
//! requeued what the lost channel held unacked, so those messages are delivered again (flagged
//! redelivered), and the work still running on them is not acked (`complete_failed`): delivery
//! tags belong to their channel. AMQP 0-9-1 does not answer acks, so each turn's acks are
//! followed by one round trip on their channel before they are logged `completed`; an ack lost
//! as the connection drops is logged `complete_failed`. At least once, never acked unprocessed.

use std::time::Duration;

use futures::{FutureExt as _, StreamExt as _};
use jiff::Timestamp;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{Acker, Channel, Connection, ConnectionProperties, Consumer};
use serde_json::json;
use tokio::sync::watch;

use crate::config::{Config, RabbitUrl};
use crate::failure::{Failure, one_line};
use crate::message::{self, PropValue, Received};
use crate::run::{CLOSE_TIMEOUT, Fatal, Queue, unless_signalled};

pub struct RabbitQueue {
    url: RabbitUrl,
    queue: String,
    prefetch: u16,
    create_timeout: Duration,
    pod: Option<String>,
    /// `None` after the connection or channel failed: the next receive connects again.
    link: Option<Link>,
    /// Counts the links opened, so a message is settled only on the channel it came on.
    generation: u64,
    /// A failure seen after a receive already had messages to return: the next call reports it.
    pending: Option<Fatal>,
}

struct Link {
    connection: Connection,
    channel: Channel,
    consumer: Consumer,
}

/// Where a call failed, for its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Connect,
    /// The passive declare that checks the queue exists.
    Declare,
    Consume,
    Receive,
}

/// What the broker (or the socket) said: an AMQP reply code and text, or a local error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    Amqp {
        code: u16,
        text: String,
    },
    Local(String),
    Timeout(Duration),
    /// The broker cancelled the consumer (the queue was deleted, or the node went down).
    Cancelled,
}

/// The one-line reason and exit code for a failure at `stage`. Pure, so each broker reply's
/// wording is unit-tested; the password is replaced by `***` wherever it appears.
pub fn explain(stage: Stage, cause: &Cause, url: &RabbitUrl, queue: &str) -> Fatal {
    let at = format!("RabbitMQ at {}:{}", url.host, url.port);
    let vhost = &url.vhost;
    let (failure, reason) = match cause {
        // 403: a wrong user or password (the broker says only "Login was refused"), or a user
        // without read permission on the queue.
        Cause::Amqp { code: 403, text } if stage == Stage::Connect => (
            Failure::Unauthorized,
            format!(
                "{at} refused the credentials for user `{}` (ACCESS_REFUSED): check the user and password in the RabbitMQ URL ({text})",
                url.user
            ),
        ),
        Cause::Amqp { code: 403, text } => (
            Failure::Unauthorized,
            format!(
                "{at} refused user `{}` access to queue `{queue}` in vhost `{vhost}` (ACCESS_REFUSED): grant it read permission ({text})",
                url.user
            ),
        ),
        // 530 when opening the vhost: missing, or the user has no permissions on it.
        Cause::Amqp { code: 530, text } if text.contains("not found") => (
            Failure::NotFound,
            format!(
                "{at} has no vhost `{vhost}` (NOT_ALLOWED): create it, or fix the vhost in the RabbitMQ URL ({text})"
            ),
        ),
        Cause::Amqp { code: 530, text } if stage == Stage::Connect => (
            Failure::Unauthorized,
            format!(
                "{at} refused user `{}` access to vhost `{vhost}` (NOT_ALLOWED): set its permissions on the vhost ({text})",
                url.user
            ),
        ),
        Cause::Amqp { code: 404, text } if stage == Stage::Declare => (
            Failure::NotFound,
            format!(
                "queue `{queue}` not found in vhost `{vhost}` on {at} (NOT_FOUND): the receiver does not create queues; declare it, or fix QUEUE_NAME ({text})"
            ),
        ),
        Cause::Amqp { code, text } => (
            Failure::Other,
            format!(
                "{at} answered {code} ({text}) while {} queue `{queue}` in vhost `{vhost}`",
                stage_verb(stage)
            ),
        ),
        Cause::Local(detail) => (
            Failure::Other,
            match stage {
                Stage::Connect => format!("cannot connect to {at} (vhost `{vhost}`): {detail}"),
                _ => format!(
                    "lost the connection to {at} while {} queue `{queue}`: {detail}",
                    stage_verb(stage)
                ),
            },
        ),
        Cause::Timeout(after) => (
            Failure::Other,
            format!(
                "{} {at} (queue `{queue}`, vhost `{vhost}`) timed out after {after:?}",
                stage_verb(stage)
            ),
        ),
        Cause::Cancelled => (
            Failure::Other,
            format!(
                "{at} cancelled the consumer of queue `{queue}` in vhost `{vhost}` (was the queue deleted?)"
            ),
        ),
    };
    let mut reason = one_line(&reason);
    if !url.password().is_empty() {
        reason = reason.replace(url.password(), "***");
    }
    Fatal { failure, reason }
}

fn stage_verb(stage: Stage) -> &'static str {
    match stage {
        Stage::Connect => "connecting to",
        Stage::Declare => "checking",
        Stage::Consume => "subscribing to",
        Stage::Receive => "receiving from",
    }
}

/// lapin's error as a [`Cause`]: the broker's reply code when it sent one.
fn cause(error: &lapin::Error) -> Cause {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => Cause::Amqp {
            code: amqp.get_id(),
            text: amqp.get_message().to_string(),
        },
        _ => Cause::Local(error.to_string()),
    }
}

/// The URL's parts for lapin (not the text: lapin's parser reads `amqp://h/` as vhost "", and
/// an IP host as `localhost`).
fn amqp_uri(url: &RabbitUrl) -> AMQPUri {
    AMQPUri {
        scheme: if url.tls {
            AMQPScheme::AMQPS
        } else {
            AMQPScheme::AMQP
        },
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: url.user.clone(),
                password: url.password().to_owned(),
            },
            host: url.host.clone(),
            port: url.port,
        },
        vhost: url.vhost.clone(),
        query: AMQPQueryString {
            frame_max: url.frame_max,
            channel_max: url.channel_max,
            heartbeat: url.heartbeat,
            connection_timeout: url.connection_timeout_ms,
            auth_mechanism: None,
        },
    }
}

/// Connects and registers the consumer. `Ok(None)`: SIGTERM came first.
pub async fn connect(
    url: &RabbitUrl,
    config: &Config,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Option<RabbitQueue>, Fatal> {
    let mut queue = RabbitQueue {
        url: url.clone(),
        queue: config.queue_name.clone(),
        // 1..=256 by the configuration's own limits.
        prefetch: u16::try_from(config.concurrency).unwrap_or(u16::MAX),
        create_timeout: config.create_timeout,
        pod: std::env::var("HOSTNAME").ok(),
        link: None,
        generation: 0,
        pending: None,
    };
    let Some(link) = unless_signalled(queue.open(), shutdown).await else {
        return Ok(None);
    };
    queue.link = Some(link?);
    queue.generation = 1;
    Ok(Some(queue))
}

impl RabbitQueue {
    fn fatal(&self, stage: Stage, cause: &Cause) -> Fatal {
        explain(stage, cause, &self.url, &self.queue)
    }

    /// Runs one step of opening, within CREATE_TIMEOUT_MS.
    async fn step<T>(
        &self,
        stage: Stage,
        call: impl Future<Output = lapin::Result<T>>,
    ) -> Result<T, Fatal> {
        match tokio::time::timeout(self.create_timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.fatal(stage, &cause(&e))),
            Err(_) => Err(self.fatal(stage, &Cause::Timeout(self.create_timeout))),
        }
    }

    /// Connection, channel, passive declare, qos, consume: once `basic.consume` returns, the
    /// broker delivers to this pod.
    async fn open(&self) -> Result<Link, Fatal> {
        let name = format!(
            "kedatui receiver {}",
            self.pod.as_deref().unwrap_or("(no HOSTNAME)")
        );
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        let connection = self
            .step(
                Stage::Connect,
                Connection::connect_uri(amqp_uri(&self.url), properties),
            )
            .await?;
        let opened = async {
            let channel = self
                .step(Stage::Connect, connection.create_channel())
                .await?;
            let passive = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            self.step(
                Stage::Declare,
                channel.queue_declare(self.queue.as_str().into(), passive, FieldTable::default()),
            )
            .await?;
            self.step(
                Stage::Consume,
                channel.basic_qos(self.prefetch, BasicQosOptions::default()),
            )
            .await?;
            let consumer = self
                .step(
                    Stage::Consume,
                    channel.basic_consume(
                        self.queue.as_str().into(),
                        // Empty: the broker picks a unique tag.
                        "".into(),
                        BasicConsumeOptions::default(),
                        FieldTable::default(),
                    ),
                )
                .await?;
            Ok((channel, consumer))
        }
        .await;
        match opened {
            Ok((channel, consumer)) => Ok(Link {
                connection,
                channel,
                consumer,
            }),
            Err(fatal) => {
                let _ =
                    tokio::time::timeout(CLOSE_TIMEOUT, connection.close(200, "OK".into())).await;
                Err(fatal)
            }
        }
    }

    /// A message can be settled only on the channel it came on: delivery tags are per channel.
    fn current(&self, generation: u64) -> Result<(), String> {
        if self.link.is_some() && generation == self.generation {
            Ok(())
        } else {
            Err(LOST.to_owned())
        }
    }

    /// The link failed: drop it (the broker requeues what it held unacked).
    fn broken(&mut self, stage: Stage, cause: &Cause) -> Fatal {
        self.link = None;
        self.fatal(stage, cause)
    }
}

/// Why a message from a lost link is not settled.
const LOST: &str =
    "its connection was lost, so the broker has requeued it and will deliver it again";

impl Queue for RabbitQueue {
    /// The acker and the link it came on.
    type Message = (Acker, u64);

    fn describe(&self) -> serde_json::Value {
        json!({
            "broker": "rabbitmq",
            "host": format!("{}:{}", self.url.host, self.url.port),
            "vhost": self.url.vhost,
            "prefetch": self.prefetch,
        })
    }

    async fn receive(
        &mut self,
        max: u32,
        wait: Duration,
    ) -> Result<Vec<(Self::Message, Received)>, Fatal> {
        if let Some(fatal) = self.pending.take() {
            return Err(fatal);
        }
        if self.link.is_none() {
            self.link = Some(self.open().await?);
            self.generation += 1;
        }
        let generation = self.generation;
        let link = self.link.as_mut().expect("connected above");
        // Waiting on the stream loses nothing when the wait ends: deliveries stay buffered.
        let first = match tokio::time::timeout(wait, link.consumer.next()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(Some(Ok(delivery))) => delivery,
            Ok(Some(Err(e))) => return Err(self.broken(Stage::Receive, &cause(&e))),
            Ok(None) => return Err(self.broken(Stage::Receive, &Cause::Cancelled)),
        };
        let mut batch = vec![taken(first, generation)];
        // Whatever else is already here, without waiting.
        while batch.len() < max as usize {
            match link.consumer.next().now_or_never() {
                Some(Some(Ok(delivery))) => batch.push(taken(delivery, generation)),
                Some(Some(Err(e))) => {
                    let fatal = self.broken(Stage::Receive, &cause(&e));
                    self.pending = Some(fatal);
                    break;
                }
                Some(None) => {
                    let fatal = self.broken(Stage::Receive, &Cause::Cancelled);
                    self.pending = Some(fatal);
                    break;
                }
                None => break,
            }
        }
        Ok(batch)
    }

    /// Sends `basic.ack`, which the broker does not answer: [`Queue::confirm_completed`]
    /// makes sure it arrived.
    async fn complete(&mut self, (acker, generation): Self::Message) -> Result<(), String> {
        self.current(generation)?;
        acker
            .ack(BasicAckOptions::default())
            .await
            .map(drop)
            .map_err(|e| self.fatal(Stage::Receive, &cause(&e)).reason)
    }

    /// A round trip on the channel the acks went out on (`basic.qos` again, unchanged): a
    /// channel is ordered, so its answer means the broker has applied every ack sent before.
    /// Without it, an ack written as the connection drops is lost silently and the message
    /// comes back although it was logged `completed`.
    async fn confirm_completed(&mut self) -> Result<(), String> {
        let Some(link) = self.link.as_mut() else {
            return Err(LOST.to_owned());
        };
        let qos = link
            .channel
            .basic_qos(self.prefetch, BasicQosOptions::default());
        match tokio::time::timeout(CLOSE_TIMEOUT, qos).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                // The broker's reason (CONNECTION_FORCED…) went to the consumer; the call
                // itself only knows the channel is closed.
                let reason = match link.consumer.next().now_or_never() {
                    Some(Some(Err(consumer_error))) => cause(&consumer_error),
                    _ => cause(&e),
                };
                let fatal = self.broken(Stage::Receive, &reason);
                let error = format!("the acks may not have arrived: {}", fatal.reason);
                // The next receive reports the loss (counted, logged, not ready) and reconnects.
                self.pending = Some(fatal);
                Err(error)
            }
            Err(_) => Err(format!(
                "the acks were not confirmed within {CLOSE_TIMEOUT:?}"
            )),
        }
    }

    async fn abandon(&mut self, (acker, generation): Self::Message) -> Result<(), String> {
        self.current(generation)?;
        let requeue = BasicNackOptions {
            requeue: true,
            multiple: false,
        };
        acker
            .nack(requeue)
            .await
            .map(drop)
            .map_err(|e| self.fatal(Stage::Receive, &cause(&e)).reason)
    }

    /// `basic.cancel`: once the broker confirms it, every delivery it sent before is in the
    /// consumer's buffer (a channel is ordered), so draining that buffer leaves none behind.
    async fn stop_taking(&mut self) -> Vec<(Self::Message, Received)> {
        let Some(link) = self.link.as_mut() else {
            return Vec::new();
        };
        let tag = link.consumer.tag();
        let cancel = link
            .channel
            .basic_cancel(tag, BasicCancelOptions::default());
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, cancel).await;
        let mut left = Vec::new();
        while let Some(Some(Ok(delivery))) = link.consumer.next().now_or_never() {
            left.push(taken(delivery, self.generation));
        }
        left
    }

    async fn close(self) {
        if let Some(link) = self.link {
            // Closing the channel requeues anything still unacked (nothing, after a clean drain).
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, link.channel.close(200, "OK".into())).await;
            let _ =
                tokio::time::timeout(CLOSE_TIMEOUT, link.connection.close(200, "OK".into())).await;
        }
    }
}

fn taken(delivery: lapin::message::Delivery, generation: u64) -> ((Acker, u64), Received) {
    let info = received(&delivery);
    ((delivery.acker, generation), info)
}

/// An AMQP header value, reduced to what the log line can use.
fn prop_value(value: &AMQPValue) -> PropValue {
    match value {
        AMQPValue::ShortShortInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::ShortShortUInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::ShortInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::ShortUInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::LongInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::LongUInt(n) => PropValue::Int(i64::from(*n)),
        AMQPValue::LongLongInt(n) => PropValue::Int(*n),
        AMQPValue::ShortString(s) => PropValue::Text(s.as_str().to_owned()),
        AMQPValue::LongString(s) => {
            PropValue::Text(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        _ => PropValue::Other,
    }
}

/// Copies what the log line needs out of a delivery. RabbitMQ has no sequence number or lock:
/// `sequence_number` is the delivery tag (per channel), and `locked_until` is none (an unacked
/// message stays with the consumer until it acks, nacks or disconnects).
fn received(delivery: &lapin::message::Delivery) -> Received {
    let props = &delivery.properties;
    let headers: Vec<(String, PropValue)> = props
        .headers()
        .as_ref()
        .map(|table| {
            table
                .inner()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), prop_value(v)))
                .collect()
        })
        .unwrap_or_default();
    // Quorum queues count deliveries in `x-delivery-count` (0 on the first); a classic queue
    // only says whether this is a redelivery, so the count is then unknown.
    let delivery_count = headers
        .iter()
        .find_map(|(k, v)| match (k.as_str(), v) {
            ("x-delivery-count", PropValue::Int(n)) => u32::try_from(*n + 1).ok(),
            _ => None,
        })
        .or((!delivery.redelivered).then_some(1));
    // The publisher's timestamp (seconds), or kedatui's `sent_at` in the body.
    let enqueued_at = props
        .timestamp()
        .and_then(|s| Timestamp::from_second(i64::try_from(s).ok()?).ok())
        .filter(|t| t.as_second() > 0)
        .or_else(|| message::sent_at(&delivery.data));
    Received {
        message_id: props.message_id().as_ref().map(|id| id.as_str().to_owned()),
        sequence_number: i64::try_from(delivery.delivery_tag).unwrap_or(i64::MAX),
        delivery_count,
        enqueued_at,
        locked_until: None,
        properties: headers,
        body: Some(delivery.data.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> RabbitUrl {
        RabbitUrl::parse("amqp://receiver:Pa55word@rabbit.demo:5672/talks").unwrap()
    }

    fn amqp(code: u16, text: &str) -> Cause {
        Cause::Amqp {
            code,
            text: text.into(),
        }
    }

    #[test]
    fn each_broker_refusal_has_its_own_line_and_exit_code() {
        let cases = [
            (
                Stage::Connect,
                amqp(
                    403,
                    "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.",
                ),
                3,
                "refused the credentials for user `receiver`",
            ),
            (
                Stage::Connect,
                amqp(530, "NOT_ALLOWED - vhost talks not found"),
                4,
                "has no vhost `talks`",
            ),
            (
                Stage::Connect,
                amqp(
                    530,
                    "NOT_ALLOWED - access to vhost 'talks' refused for user 'receiver'",
                ),
                3,
                "refused user `receiver` access to vhost `talks`",
            ),
            (
                Stage::Declare,
                amqp(404, "NOT_FOUND - no queue 'orders' in vhost 'talks'"),
                4,
                "queue `orders` not found in vhost `talks`",
            ),
            (
                Stage::Consume,
                amqp(403, "ACCESS_REFUSED - access to queue 'orders' refused"),
                3,
                "access to queue `orders`",
            ),
            (
                Stage::Receive,
                amqp(320, "CONNECTION_FORCED - broker forced connection closure"),
                1,
                "CONNECTION_FORCED",
            ),
            (
                Stage::Connect,
                Cause::Local("Connection refused (os error 111)".into()),
                1,
                "cannot connect to RabbitMQ at rabbit.demo:5672",
            ),
            (
                Stage::Receive,
                Cause::Local("connection reset".into()),
                1,
                "lost the connection",
            ),
            (
                Stage::Connect,
                Cause::Timeout(Duration::from_secs(3)),
                1,
                "timed out after 3s",
            ),
            (
                Stage::Receive,
                Cause::Cancelled,
                1,
                "cancelled the consumer",
            ),
        ];
        for (stage, cause, code, expected) in cases {
            let fatal = explain(stage, &cause, &url(), "orders");
            assert_eq!(
                fatal.failure.exit_code(),
                code,
                "{cause:?}: {}",
                fatal.reason
            );
            assert!(
                fatal.reason.contains(expected),
                "{:?} should say {expected:?}",
                fatal.reason
            );
            assert!(!fatal.reason.contains('\n'));
        }
    }

    #[test]
    fn the_password_never_reaches_a_reason() {
        let fatal = explain(
            Stage::Connect,
            &Cause::Local("a client that echoed Pa55word".into()),
            &url(),
            "q",
        );
        assert!(!fatal.reason.contains("Pa55word"), "{}", fatal.reason);
        assert!(fatal.reason.contains("echoed ***"));
    }

    #[test]
    fn the_uri_for_lapin_keeps_ip_hosts_and_the_default_vhost() {
        let u = RabbitUrl::parse("amqp://guest:guest@127.0.0.1:5999/?heartbeat=5").unwrap();
        let uri = amqp_uri(&u);
        assert_eq!(
            (
                uri.authority.host.as_str(),
                uri.authority.port,
                uri.vhost.as_str()
            ),
            ("127.0.0.1", 5999, "/")
        );
        assert_eq!(uri.query.heartbeat, Some(5));
        assert_eq!(amqp_uri(&url()).authority.userinfo.password, "Pa55word");
    }
}
