//! A thread that ends the process as soon as the broker refuses the receiver's link.
//!
//! Against a missing queue or a rule without Listen, azservicebus 0.25 attaches "successfully",
//! then spends each receive call retrying the refused link for seconds and finally reports only
//! `Local error: IllegalSessionState`; the broker's real reason (`amqp:not-found`,
//! `amqp:unauthorized-access`) reaches only the `log` bridge, where later recovery errors soon
//! overwrite it (docs/servicebus-amqp.md §2 gotcha 8, §4 "Errors"). This thread watches each receive
//! call and exits with that reason the moment it is logged, or when a call overruns its deadline.
//! Nothing is lost by exiting: messages in flight stay locked and return when their locks expire.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kedatui_servicebus::errors::{self, Operation};

use crate::failure::{self, Failure};

#[derive(Clone, Copy, Debug)]
struct Armed {
    operation: Operation,
    started: Instant,
    deadline: Instant,
}

#[derive(Clone)]
pub struct Watchdog {
    armed: Arc<Mutex<Option<Armed>>>,
}

/// What the watchdog decides for an armed call: `Some((exit code, one-line reason))` to exit.
pub fn verdict(
    operation: Operation,
    queue: &str,
    now: Instant,
    deadline: Instant,
    broker_reason: Option<&str>,
) -> Option<(u8, String)> {
    let overdue = now >= deadline;
    let reason = broker_reason.unwrap_or("");
    let detail = if overdue {
        "the call did not return in time".to_owned()
    } else {
        reason.to_owned()
    };
    let error = errors::classify(operation, queue, &detail, broker_reason);
    let failure = Failure::from_kind(&error.kind);
    (overdue || (broker_reason.is_some() && failure.is_permanent()))
        .then(|| (failure.exit_code(), failure::one_line(&error.message)))
}

impl Watchdog {
    pub fn start(queue: String) -> Self {
        Self::start_for(queue, None)
    }

    /// With the connection, so a keyless one's refusal names the role to grant.
    pub fn start_for(
        queue: String,
        connection: Option<kedatui_servicebus::connection::ConnectionString>,
    ) -> Self {
        let armed: Arc<Mutex<Option<Armed>>> = Arc::new(Mutex::new(None));
        let watched = armed.clone();
        std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(Duration::from_millis(50));
                    let Some(a) = *watched.lock().unwrap() else {
                        continue;
                    };
                    let broker = errors::broker_reason_since(a.started);
                    if let Some((code, reason)) = verdict(
                        a.operation,
                        &queue,
                        Instant::now(),
                        a.deadline,
                        broker.as_deref(),
                    ) {
                        let reason = match &connection {
                            Some(c) if c.entra.is_some() => {
                                let error = kedatui_servicebus::SourceError {
                                    kind: if code == Failure::Unauthorized.exit_code() {
                                        kedatui_servicebus::ErrorKind::Unauthorized
                                    } else {
                                        kedatui_servicebus::ErrorKind::Other
                                    },
                                    message: reason,
                                };
                                let role = kedatui_servicebus::entra::ROLE_RECEIVER;
                                let error = c.explain(error, role, "receiving");
                                failure::one_line(&error.message)
                            }
                            _ => reason,
                        };
                        eprintln!("receiver: {reason}");
                        std::process::exit(i32::from(code));
                    }
                }
            })
            .expect("a thread for the watchdog");
        Self { armed }
    }

    /// Watches the call that starts now; it must return within `limit`.
    pub fn arm(&self, operation: Operation, limit: Duration) {
        let started = Instant::now();
        *self.armed.lock().unwrap() = Some(Armed {
            operation,
            started,
            deadline: started + limit,
        });
    }

    pub fn disarm(&self) {
        *self.armed.lock().unwrap() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_on_a_permanent_broker_reason_or_on_overrun_only() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_secs(10);
        let cases: [(Option<&str>, Instant, Option<u8>); 6] = [
            (None, t0, None),
            (Some("RemoteEnded"), t0, None), // fe2o3 logs this on every normal disconnect
            (
                Some("amqp:not-found: The messaging entity 'nope' could not be found."),
                t0,
                Some(4),
            ),
            (
                Some(
                    "amqp:unauthorized-access: Unauthorized access. 'Listen' claim(s) are required",
                ),
                t0,
                Some(3),
            ),
            (None, later, Some(1)),
            (Some("amqp:not-found: x could not be found"), later, Some(4)),
        ];
        for (broker, now, expected) in cases {
            let got = verdict(
                Operation::Receive,
                "kedaqueue",
                now,
                t0 + Duration::from_secs(5),
                broker,
            );
            assert_eq!(got.as_ref().map(|(code, _)| *code), expected, "{broker:?}");
            if let Some((_, reason)) = got {
                assert!(!reason.contains('\n'));
            }
        }
    }
}
