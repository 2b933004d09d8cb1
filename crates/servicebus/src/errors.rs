//! Turning azservicebus, HTTP and broker failures into the UI's [`SourceError`] kinds, and keeping
//! the broker's real reason: azservicebus's errors show only the last retry's local error, the
//! broker's condition and description reach only its `log` output (docs/servicebus-amqp.md §4 "Errors").

use std::collections::VecDeque;
use std::sync::{Mutex, Once};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// An error a source reports to the UI. Classified so the UI can say what to do about it;
/// the message is written to be shown as is and never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    Unauthorized,
    NotFound,
    Unreachable,
    Throttled,
    Timeout,
    /// RBAC: which verb on which resource is missing, and the file in yaml/ that grants it.
    Forbidden {
        verb: String,
        resource: String,
        grant_file: String,
    },
    KedaNotInstalled,
    Other,
}

/// The latest warn/error lines azservicebus or fe2o3 logged, and when (already redacted). The
/// broker's condition (`amqp:not-found …`) is often followed by less telling retry messages, so
/// keep several.
static RECENT_BROKER_ERRORS: Mutex<VecDeque<(Instant, String)>> = Mutex::new(VecDeque::new());
const RECENT_KEPT: usize = 16;
/// Woken whenever a warning or error is logged, so a waiting send can look at it.
static BROKER_LOGGED: tokio::sync::Notify = tokio::sync::Notify::const_new();

struct Bridge;

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        // With tracing's `log` feature and no subscriber, our tracing events come back here as
        // `log` records: drop them, and never re-enter.
        if !self.enabled(record.metadata()) || record.target().starts_with(BRIDGE_TARGET) {
            return;
        }
        if IN_BRIDGE.with(|b| b.replace(true)) {
            return;
        }
        self.forward(record);
        IN_BRIDGE.with(|b| b.set(false));
    }

    fn flush(&self) {}
}

const BRIDGE_TARGET: &str = "servicebus::amqp";

thread_local! {
    static IN_BRIDGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keeps a (redacted) warning or error from azservicebus/fe2o3 and wakes waiting sends.
fn remember(text: &str) {
    let mut recent = RECENT_BROKER_ERRORS.lock().unwrap();
    if recent.len() == RECENT_KEPT {
        recent.pop_front();
    }
    recent.push_back((Instant::now(), text.to_owned()));
    drop(recent);
    BROKER_LOGGED.notify_waiters();
}

/// For a program whose tracing subscriber already owns the `log` crate (tracing-subscriber's
/// `init()` installs `LogTracer`, so [`install_log_bridge`] cannot): add this layer to the
/// subscriber and the broker's reasons are kept all the same.
pub struct BrokerLogLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for BrokerLogLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let meta = event.metadata();
        let target = meta.target();
        if *meta.level() > tracing::Level::WARN
            || !(target.starts_with("azservicebus") || target.starts_with("fe2o3"))
        {
            return;
        }
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        remember(&redact(&message.0));
    }
}

impl Bridge {
    fn forward(&self, record: &log::Record<'_>) {
        // fe2o3 and azservicebus may print CBS frames that carry tokens: redact before anything else.
        let text = redact(&record.args().to_string());
        if record.level() <= log::Level::Warn {
            remember(&text);
        }
        let target = record.target();
        match record.level() {
            log::Level::Error => {
                tracing::error!(target: "servicebus::amqp", source = target, "{text}")
            }
            log::Level::Warn => {
                tracing::warn!(target: "servicebus::amqp", source = target, "{text}")
            }
            _ => tracing::debug!(target: "servicebus::amqp", source = target, "{text}"),
        }
    }
}

/// Routes the `log` crate (azservicebus, fe2o3) into tracing, redacted, keeping the recent
/// warnings. Idempotent. If another `log` logger is already installed (e.g. tracing-subscriber's
/// `LogTracer`), nothing changes: add [`BrokerLogLayer`] to that subscriber instead. Initialise
/// tracing before the first Service Bus call, or its `init()` finds this logger in place.
pub fn install_log_bridge() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if log::set_boxed_logger(Box::new(Bridge)).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    });
}

/// What azservicebus/fe2o3 logged as warnings or errors since `since` (distinct lines, oldest
/// first, at most ~600 characters), if anything.
pub fn broker_reason_since(since: Instant) -> Option<String> {
    let recent = RECENT_BROKER_ERRORS.lock().unwrap();
    let mut lines: Vec<&str> = Vec::new();
    for (_, text) in recent.iter().filter(|(at, _)| *at >= since) {
        if !lines.contains(&text.as_str()) {
            lines.push(text);
        }
    }
    if lines.is_empty() {
        return None;
    }
    let joined = lines.join(" | ");
    Some(joined.chars().take(600).collect())
}

/// A logged condition retrying cannot fix: the broker says `queue` does not exist. azservicebus
/// retries that for its whole retry budget; its log says so at once. Only lines naming this
/// queue count (`'q'` or `…/q'`, as Service Bus quotes the entity), so another connection's
/// failure in the same process cannot stop this one.
pub fn fatal_broker_reason_since(since: Instant, queue: &str) -> Option<String> {
    let queue = queue.to_ascii_lowercase();
    let quoted = [format!("'{queue}'"), format!("/{queue}'")];
    let recent = RECENT_BROKER_ERRORS.lock().unwrap();
    recent
        .iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, text)| text)
        .find(|text| {
            let lower = text.to_ascii_lowercase();
            quoted.iter().any(|q| lower.contains(q.as_str()))
                && ["notfound", "not-found", "could not be found"]
                    .iter()
                    .any(|n| lower.contains(n))
        })
        .cloned()
}

/// Awaits `task` unless the broker's log reports a fatal condition first, in which case the
/// task is aborted and the reason returned.
pub async fn join_unless_fatal<T>(
    task: &mut tokio::task::JoinHandle<T>,
    since: Instant,
    queue: &str,
) -> Result<Result<T, tokio::task::JoinError>, String> {
    loop {
        let notified = BROKER_LOGGED.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(reason) = fatal_broker_reason_since(since, queue) {
            task.abort();
            return Err(reason);
        }
        tokio::select! {
            joined = &mut *task => return Ok(joined),
            _ = &mut notified => {}
        }
    }
}

/// Removes SAS signatures and keys from text that may be shown or logged.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let markers = ["sig=", "SharedAccessKey=", "SharedAccessSignature sr="];
    loop {
        let next = markers
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, *m)))
            .min_by_key(|(i, _)| *i);
        let Some((i, marker)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i + marker.len()]);
        out.push_str("<redacted>");
        let after = &rest[i + marker.len()..];
        let end = after
            .find(|c: char| c == '&' || c == ';' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(after.len());
        rest = &after[end..];
    }
}

/// What was being done, for the error's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Connect,
    Send,
    Receive,
}

/// Drops logged lines about another entity (Service Bus quotes the entity: `'q'`, `'sb://ns/q'`,
/// `Resource: '…'`): in one process, other connections log too.
pub fn lines_about(broker: &str, queue: &str) -> String {
    let queue = queue.to_ascii_lowercase();
    let ours = [format!("'{queue}'"), format!("/{queue}'")];
    broker
        .split(" | ")
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            let names_entity =
                lower.contains("messaging entity '") || lower.contains("resource: '");
            !names_entity || ours.iter().any(|q| lower.contains(q.as_str()))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Why Service Bus refused a token (#10 item 4): only a reason that names a missing claim means
/// the policy lacks a right; anything else (`InvalidSignature`, an unknown policy, an expired
/// token, a bare 401) means the key or the policy name is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    WrongKey,
    /// The right the reason names (`Manage`, `Send`, `Listen`).
    MissingRight(&'static str),
}

/// Reads a refusal's reason: `'Listen' claim(s) are required …`, `Manage,EntityRead claims
/// required for this operation.` (docs/keda-semantics.md §6.3) name a missing right.
pub fn refusal(reason: &str) -> Refusal {
    let lower = reason.to_ascii_lowercase();
    let Some(at) = lower.find("claim") else {
        return Refusal::WrongKey;
    };
    if !lower[at..].contains("required") {
        return Refusal::WrongKey;
    }
    // The claim is named just before the word "claim".
    let before = &lower[at.saturating_sub(24)..at];
    ["manage", "send", "listen"]
        .into_iter()
        .filter_map(|r| before.rfind(r).map(|i| (i, r)))
        .max_by_key(|(i, _)| *i)
        .map_or(Refusal::WrongKey, |(_, r)| {
            Refusal::MissingRight(match r {
                "manage" => "Manage",
                "send" => "Send",
                _ => "Listen",
            })
        })
}

/// The start of the message for a wrong key or policy name: the cause first, so a narrow header
/// still shows it.
pub const KEY_REFUSED: &str = "Service Bus refused the credentials: wrong key or policy name (SharedAccessKey / SharedAccessKeyName)";

/// Classifies an AMQP-side failure from its text and the broker's logged reason.
pub fn classify(
    operation: Operation,
    queue: &str,
    error: &str,
    broker: Option<&str>,
) -> SourceError {
    let broker = broker.map(|b| lines_about(b, queue));
    let broker = broker.as_deref().filter(|b| !b.is_empty());
    let detail = match broker {
        Some(b) if !b.is_empty() && !error.contains(b) => format!("{error} (broker: {b})"),
        _ => error.to_owned(),
    };
    let detail = redact(&detail);
    let lower = detail.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let right = match operation {
        Operation::Send | Operation::Connect => "Send",
        Operation::Receive => "Listen",
    };
    let (kind, message) = if has(&[
        "unauthorized",
        "invalidsignature",
        "expiredtoken",
        "status code: 401",
        "401",
        "invalidaudience",
    ]) {
        let message = match refusal(&detail) {
            Refusal::WrongKey => format!("{KEY_REFUSED}: {detail}"),
            Refusal::MissingRight(missing) => format!(
                "Service Bus refused the credentials: the policy has no {missing} right (it needs {right} rights here): {detail}"
            ),
        };
        (ErrorKind::Unauthorized, message)
    } else if has(&["not-found", "could not be found", "notfound", "not found"]) {
        (
            ErrorKind::NotFound,
            format!("queue `{queue}` not found in the Service Bus namespace: {detail}"),
        )
    } else if has(&[
        "connection refused",
        "os error 111",
        "failed to lookup",
        "dns",
        "no such host",
        "connection reset",
        "broken pipe",
        "network is unreachable",
        "os error 113",
        "os error 101",
    ]) {
        (
            ErrorKind::Unreachable,
            format!("cannot reach Service Bus: {detail}"),
        )
    } else if has(&[
        "throttl",
        "server-busy",
        "serverbusy",
        "resource-limit-exceeded",
        "quota",
    ]) {
        (
            ErrorKind::Throttled,
            format!("Service Bus is throttling: {detail}"),
        )
    } else if has(&["timed out", "timeout", "elapsed", "deadline"]) {
        (
            ErrorKind::Timeout,
            format!("Service Bus did not answer in time: {detail}"),
        )
    } else {
        (ErrorKind::Other, format!("Service Bus error: {detail}"))
    };
    SourceError { kind, message }
}

/// Whether retrying (after reconnecting) can help.
pub fn is_transient(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unreachable | ErrorKind::Timeout | ErrorKind::Throttled | ErrorKind::Other
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_key_is_not_reported_as_a_missing_right() {
        let cases: &[(&str, Refusal)] = &[
            (
                "InvalidSignature: the token has an invalid signature",
                Refusal::WrongKey,
            ),
            (
                "<Error><Code>401</Code><Detail>InvalidSignature: The token has an invalid signature. TrackingId:1</Detail></Error>",
                Refusal::WrongKey,
            ),
            ("ExpiredToken: the token is expired", Refusal::WrongKey),
            ("status code: 401", Refusal::WrongKey),
            ("", Refusal::WrongKey),
            (
                "Manage,EntityRead claims required for this operation.",
                Refusal::MissingRight("Manage"),
            ),
            (
                "Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource: 'sb://ns/q'.",
                Refusal::MissingRight("Listen"),
            ),
            (
                "Unauthorized access. 'Send' claim(s) are required to perform this operation.",
                Refusal::MissingRight("Send"),
            ),
        ];
        for (reason, want) in cases {
            assert_eq!(&refusal(reason), want, "{reason}");
        }
        let e = classify(
            Operation::Send,
            "q",
            "CBS failed",
            Some("put-token: 401 InvalidSignature: the token has an invalid signature"),
        );
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(e.message.starts_with(KEY_REFUSED), "{}", e.message);
        assert!(!e.message.contains("needs"), "{}", e.message);
    }

    #[test]
    fn classifies_the_failures_the_ui_reacts_to() {
        // docs/servicebus-amqp.md §4 "Errors": Display shows only the last local error; the broker's
        // condition arrives through `log`.
        let cases: &[(&str, Option<&str>, ErrorKind)] = &[
            (
                "Connection refused (os error 111)",
                None,
                ErrorKind::Unreachable,
            ),
            (
                "Local error: ExpectImmediateDetach",
                Some("amqp:not-found: The messaging entity 'kedaqueue' could not be found."),
                ErrorKind::NotFound,
            ),
            (
                "Status code: 401, description: InvalidSignature",
                None,
                ErrorKind::Unauthorized,
            ),
            (
                "Local error: IllegalState",
                Some("amqp:unauthorized-access: Unauthorized access. 'Send' claim(s) are required"),
                ErrorKind::Unauthorized,
            ),
            ("com.microsoft:server-busy", None, ErrorKind::Throttled),
            ("send timed out after 30s", None, ErrorKind::Timeout),
            ("something else", None, ErrorKind::Other),
        ];
        // Another queue's not-found, logged by another connection, is not ours.
        let other = classify(
            Operation::Send,
            "kedaqueue",
            "the Service Bus client panicked: called after complete",
            Some(
                "amqp:not-found The messaging entity 'no-such-queue' could not be found. | Broken pipe",
            ),
        );
        assert_eq!(other.kind, ErrorKind::Unreachable, "{other:?}");
        assert!(
            !other.message.contains("no-such-queue"),
            "{}",
            other.message
        );
        for (error, broker, kind) in cases {
            let e = classify(Operation::Send, "kedaqueue", error, *broker);
            assert_eq!(&e.kind, kind, "{error}");
            if let Some(b) = broker {
                assert!(
                    e.message.contains(b),
                    "the broker's reason is kept: {}",
                    e.message
                );
            }
        }
    }

    #[test]
    fn the_layer_keeps_broker_warnings_only() {
        use tracing_subscriber::layer::SubscriberExt;
        let since = Instant::now();
        let subscriber = tracing_subscriber::registry().with(BrokerLogLayer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "azservicebus::amqp::amqp_sender", "amqp:not-found: The messaging entity 'sb://ns/orders' could not be found sig=abc&se=1");
            tracing::warn!(target: "kedatui::ui", "not the broker");
            tracing::info!(target: "fe2o3_amqp::session", "just info");
        });
        let reason = broker_reason_since(since).unwrap();
        assert!(
            reason.contains("amqp:not-found") && reason.contains("sig=<redacted>"),
            "{reason}"
        );
        assert!(
            !reason.contains("not the broker") && !reason.contains("just info"),
            "{reason}"
        );
        assert!(fatal_broker_reason_since(since, "orders").is_some());
        assert!(fatal_broker_reason_since(since, "order").is_none());
        assert!(fatal_broker_reason_since(since, "kedaqueue").is_none());
    }

    #[test]
    fn redacts_signatures_and_keys() {
        let text = "put-token SharedAccessSignature sr=amqp%3A%2F%2Fh%2Fq&sig=abc%2Bdef%3D&se=1&skn=k; Endpoint=sb://h/;SharedAccessKey=c2VjcmV0=;EntityPath=q";
        let out = redact(text);
        for secret in ["abc%2Bdef%3D", "c2VjcmV0=", "amqp%3A%2F%2Fh%2Fq"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(
            out.contains("EntityPath=q") && out.contains("skn=k"),
            "{out}"
        );
        assert_eq!(redact("nothing secret"), "nothing secret");
    }
}
