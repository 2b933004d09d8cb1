//! Turning azservicebus, HTTP and broker failures into the UI's [`SourceError`] kinds, and keeping
//! the broker's real reason: azservicebus's errors show only the last retry's local error, the
//! broker's condition and description reach only its `log` output (servicebus-amqp.md §4 "Errors").

use std::collections::VecDeque;
use std::sync::{Mutex, Once};
use std::time::Instant;

use crate::event::{ErrorKind, SourceError};

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

impl Bridge {
    fn forward(&self, record: &log::Record<'_>) {
        // fe2o3 and azservicebus may print CBS frames that carry tokens: redact before anything else.
        let text = redact(&record.args().to_string());
        if record.level() <= log::Level::Warn {
            let mut recent = RECENT_BROKER_ERRORS.lock().unwrap();
            if recent.len() == RECENT_KEPT {
                recent.pop_front();
            }
            recent.push_back((Instant::now(), text.clone()));
            drop(recent);
            BROKER_LOGGED.notify_waiters();
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

/// Routes the `log` crate (azservicebus, fe2o3) into tracing, redacted, keeping the last error.
/// Idempotent; if another `log` logger is already installed, only capture is lost.
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

/// A logged condition retrying cannot fix (the queue is missing, the credentials are refused).
/// azservicebus keeps retrying those for its whole retry budget; the log says so at once.
pub fn fatal_broker_reason_since(since: Instant) -> Option<String> {
    let reason = broker_reason_since(since)?;
    let lower = reason.to_ascii_lowercase();
    [
        "notfound",
        "not-found",
        "could not be found",
        "unauthorized",
        "invalidsignature",
    ]
    .iter()
    .any(|n| lower.contains(n))
    .then_some(reason)
}

/// Awaits `task` unless the broker's log reports a fatal condition first, in which case the
/// task is aborted and the reason returned.
pub async fn join_unless_fatal<T>(
    task: &mut tokio::task::JoinHandle<T>,
    since: Instant,
) -> Result<Result<T, tokio::task::JoinError>, String> {
    loop {
        let notified = BROKER_LOGGED.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(reason) = fatal_broker_reason_since(since) {
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

/// Classifies an AMQP-side failure from its text and the broker's logged reason.
pub fn classify(
    operation: Operation,
    queue: &str,
    error: &str,
    broker: Option<&str>,
) -> SourceError {
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
        (
            ErrorKind::Unauthorized,
            format!(
                "Service Bus refused the credentials (check SharedAccessKeyName/SharedAccessKey; the policy needs {right} rights): {detail}"
            ),
        )
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
    fn classifies_the_failures_the_ui_reacts_to() {
        // servicebus-amqp.md §4 "Errors": Display shows only the last local error; the broker's
        // condition arrives through `log`.
        let cases: &[(&str, Option<&str>, ErrorKind)] = &[
            (
                "Connection refused (os error 111)",
                None,
                ErrorKind::Unreachable,
            ),
            (
                "Local error: ExpectImmediateDetach",
                Some("amqp:not-found: The messaging entity 'nope' could not be found."),
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
