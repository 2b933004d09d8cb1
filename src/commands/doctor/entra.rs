//! `kedatui doctor` for a keyless (Entra ID) namespace: sign in, then the same two probes as
//! with keys, each failure with the `az role assignment create …` that fixes it.

use super::report::{Check, names};
use kedatui_core::event::ErrorKind;
use kedatui_core::queue::Queue;
use kedatui_core::servicebus::ServiceBusConfig;
use kedatui_servicebus::entra::{EntraAuth, ROLE_OWNER, ROLE_SENDER, role_fix};

/// The three Service Bus checks when `cfg` signs in with `auth`.
pub async fn keyless_checks(cfg: &ServiceBusConfig, auth: &EntraAuth) -> Vec<Check> {
    let host = cfg.connection.host.as_str();
    let queue = cfg.queue.as_str();
    let signed_in =
        tokio::time::timeout(crate::args::servicebus::ENTRA_SIGN_IN_TIMEOUT, auth.token()).await;
    let who = match signed_in {
        Ok(Ok(_)) => auth
            .identity()
            .unwrap_or_else(|| "an Entra ID identity".into()),
        Ok(Err(e)) => {
            return vec![
                Check::fail(
                    names::CONNECTION_STRING,
                    e.to_string(),
                    "run `az login` (or `azd auth login`), then `az account set --subscription <the demo's>`",
                ),
                Check::skip(names::SEND, "skipped: not signed in"),
                Check::skip(names::MANAGE, "skipped: not signed in"),
            ];
        }
        Err(_) => {
            return vec![
                Check::fail(
                    names::CONNECTION_STRING,
                    format!(
                        "signing in with Microsoft Entra ID ({}) timed out",
                        auth.via()
                    ),
                    "run `az account get-access-token --resource https://servicebus.azure.net` to see why",
                ),
                Check::skip(names::SEND, "skipped: not signed in"),
                Check::skip(names::MANAGE, "skipped: not signed in"),
            ];
        }
    };
    let mut checks = vec![Check::pass(
        names::CONNECTION_STRING,
        format!(
            "{} (Entra: {who}, via {}), queue {queue}",
            cfg.connection.namespace_uri(),
            auth.via()
        ),
    )];
    checks.push(match Queue::ServiceBus(cfg.clone()).check_send().await {
        Ok(()) => Check::pass(
            names::SEND,
            format!("a sender attached to {queue} ({who} holds \"{ROLE_SENDER}\" or more)"),
        ),
        Err(e) => {
            let fix = match e.kind {
                ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } => {
                    role_fix(ROLE_SENDER, Some(&who), host)
                }
                ErrorKind::NotFound => {
                    format!("create queue {queue} (scripts/azure-up.sh) or pass --queue")
                }
                ErrorKind::Unreachable | ErrorKind::Timeout => "check the network: AMQP uses TCP 5671 to <namespace>.servicebus.windows.net (blocked on some venue Wi-Fi)".into(),
                _ => "retry; `kedatui send 1` shows the broker's full reason".into(),
            };
            Check::fail(names::SEND, e.message, fix)
        }
    });
    checks.push(match Queue::ServiceBus(cfg.clone()).read_counts().await {
        Ok(c) => Check::pass(
            names::MANAGE,
            format!(
                "{queue}: {} active, {} dead-lettered, {} scheduled ({who} may read counts)",
                c.active, c.dead_letter, c.scheduled
            ),
        ),
        Err(e) => {
            let fix = match e.kind {
                ErrorKind::Unauthorized | ErrorKind::Forbidden { .. } => {
                    role_fix(ROLE_OWNER, Some(&who), host)
                }
                ErrorKind::NotFound => {
                    format!("create queue {queue} (scripts/azure-up.sh) or pass --queue")
                }
                ErrorKind::Unreachable | ErrorKind::Timeout => {
                    "check the network: counts use HTTPS 443 to the namespace (or --management-url)"
                        .into()
                }
                _ => "retry; `kedatui queue` shows the full reason".into(),
            };
            Check::fail(names::MANAGE, e.message, fix)
        }
    });
    checks
}
