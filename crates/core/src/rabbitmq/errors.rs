//! What a RabbitMQ failure means to the speaker, without I/O: the AMQP 0-9-1 reply codes
//! (<https://www.rabbitmq.com/amqp-0-9-1-reference#constants>) and socket errors, each turned
//! into one of the kinds the console tells apart, with a sentence that names the queue, vhost
//! and user (never the password).

use crate::event::{ErrorKind, SourceError};

/// `ACCESS_REFUSED`: wrong user or password, or no permission on the vhost or queue.
pub const ACCESS_REFUSED: u16 = 403;
/// `NOT_FOUND`: the queue (or exchange) does not exist.
pub const NOT_FOUND: u16 = 404;
/// `NOT_ALLOWED`: on connect, the vhost does not exist (or the user may not use it).
pub const NOT_ALLOWED: u16 = 530;
/// `CONNECTION_FORCED`: the broker is shutting down (a restart): try again.
pub const CONNECTION_FORCED: u16 = 320;

/// Where a failure happened, for the sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Connect,
    Declare,
    Publish,
    Purge,
}

impl Step {
    fn doing(self) -> &'static str {
        match self {
            Step::Connect => "connecting",
            Step::Declare => "checking the queue",
            Step::Publish => "publishing",
            Step::Purge => "purging",
        }
    }
}

/// What the failure was about.
pub struct Context<'a> {
    pub host_port: &'a str,
    pub vhost: &'a str,
    pub queue: &'a str,
    pub user: &'a str,
}

/// A broker's reply code (`None` for a socket or client error) and its text, as a console error.
pub fn classify(step: Step, code: Option<u16>, text: &str, cx: &Context<'_>) -> SourceError {
    let (kind, message) = match code {
        Some(ACCESS_REFUSED) => (
            ErrorKind::Unauthorized,
            format!(
                "RabbitMQ refused user `{}` on vhost `{}` ({text}): check the user and password in RABBITMQ_URL, and the user's permissions",
                cx.user, cx.vhost
            ),
        ),
        Some(NOT_FOUND) => (
            ErrorKind::NotFound,
            format!(
                "queue `{}` not found in vhost `{}` on {} ({text})",
                cx.queue, cx.vhost, cx.host_port
            ),
        ),
        Some(NOT_ALLOWED) if text.contains("vhost") => (
            ErrorKind::NotFound,
            format!(
                "vhost `{}` not found on {} ({text}): RABBITMQ_URL's path names the vhost (`/%2F` is `/`)",
                cx.vhost, cx.host_port
            ),
        ),
        Some(CONNECTION_FORCED) => (
            ErrorKind::Unreachable,
            format!(
                "RabbitMQ at {} closed the connection while {} ({text}): the broker is stopping or restarting",
                cx.host_port,
                step.doing()
            ),
        ),
        Some(code) => (
            ErrorKind::Other,
            format!(
                "RabbitMQ at {} refused {} `{}` (code {code}: {text})",
                cx.host_port,
                step.doing(),
                cx.queue
            ),
        ),
        None => (
            if text.contains("timed out") {
                ErrorKind::Timeout
            } else {
                ErrorKind::Unreachable
            },
            format!(
                "RabbitMQ at {} is unreachable while {} ({text})",
                cx.host_port,
                step.doing()
            ),
        ),
    };
    SourceError { kind, message }
}

/// A lapin error's reply code and text.
pub fn code_and_text(e: &lapin::Error) -> (Option<u16>, String) {
    match e.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => {
            (Some(amqp.get_id()), amqp.get_message().to_string())
        }
        _ => (None, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context<'static> {
        Context {
            host_port: "127.0.0.1:5672",
            vhost: "/",
            queue: "orders",
            user: "speaker",
        }
    }

    #[test]
    fn each_refusal_is_its_own_kind_and_says_what_to_fix() {
        // (step, code, broker text, kind, part of the message)
        let cases = [
            (
                Step::Connect,
                Some(403),
                "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN",
                ErrorKind::Unauthorized,
                "refused user `speaker`",
            ),
            (
                Step::Declare,
                Some(404),
                "NOT_FOUND - no queue 'orders' in vhost '/'",
                ErrorKind::NotFound,
                "queue `orders` not found in vhost `/`",
            ),
            (
                Step::Connect,
                Some(530),
                "NOT_ALLOWED - vhost demo not found",
                ErrorKind::NotFound,
                "vhost `/` not found",
            ),
            (
                Step::Publish,
                Some(320),
                "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'",
                ErrorKind::Unreachable,
                "stopping or restarting",
            ),
            (
                Step::Connect,
                None,
                "IO error: Connection refused (os error 111)",
                ErrorKind::Unreachable,
                "unreachable while connecting",
            ),
            (
                Step::Connect,
                None,
                "connecting timed out after 10s",
                ErrorKind::Timeout,
                "unreachable",
            ),
            (
                Step::Publish,
                Some(406),
                "PRECONDITION_FAILED - x",
                ErrorKind::Other,
                "code 406",
            ),
        ];
        for (step, code, text, kind, part) in cases {
            let e = classify(step, code, text, &cx());
            assert_eq!(e.kind, kind, "{text}");
            assert!(e.message.contains(part), "{text}: {}", e.message);
        }
        // A refused login is not retried; a restarting broker is.
        assert!(!crate::event::is_transient(&ErrorKind::Unauthorized));
        assert!(!crate::event::is_transient(&ErrorKind::NotFound));
        assert!(crate::event::is_transient(&ErrorKind::Unreachable));
    }
}
