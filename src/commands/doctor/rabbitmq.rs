//! `doctor`'s RabbitMQ checks: the URL, an AMQP connection that finds the queue (what a burst
//! needs), and the management API's counts (what KEDA's scaler reads with `protocol: http`).

use kedatui_core::event::ErrorKind;
use kedatui_core::queue::Queue;
use kedatui_core::rabbitmq::{RABBITMQ_URL_ENV, RabbitMqConfig};

use super::Checks;
use super::report::{Check, names};

/// The checks for what `QueueArgs::resolve` produced (`Err`: why the URL is unusable).
pub async fn checks_streamed(
    resolved: Result<RabbitMqConfig, String>,
    on_check: &mut (dyn FnMut(&Check) + Send),
) -> Vec<Check> {
    let mut checks = Checks {
        done: Vec::new(),
        on_check,
    };
    let cfg = match resolved {
        Ok(cfg) => cfg,
        Err(e) => {
            checks.push(Check::fail(
                names::RABBITMQ_URL,
                e,
                format!(
                    "export {RABBITMQ_URL_ENV}='amqp://<user>:<password>@<host>:5672/<vhost>' \
                     (`/%2F` is the default vhost), or pass --rabbitmq-url-file FILE"
                ),
            ));
            let why = "skipped: no usable RabbitMQ URL";
            checks.extend([
                Check::skip(names::RABBITMQ_SEND, why),
                Check::skip(names::RABBITMQ_COUNTS, why),
            ]);
            return checks.done;
        }
    };
    let queue = cfg.queue.clone();
    checks.push(Check::pass(
        names::RABBITMQ_URL,
        format!(
            "{} (vhost {}), queue {queue}; management API {}",
            cfg.url,
            cfg.url.vhost(),
            cfg.management
        ),
    ));
    let user = cfg.url.user();
    let vhost = cfg.url.vhost();
    let q = Queue::RabbitMq(cfg.clone());
    checks.push(match q.check_send().await {
        Ok(()) => Check::pass(
            names::RABBITMQ_SEND,
            format!("connected as {user} and found queue {queue} in vhost {vhost}"),
        ),
        Err(e) => {
            let fix = match e.kind {
                ErrorKind::Unauthorized => format!(
                    "check the user and password in {RABBITMQ_URL_ENV}, and that user {user} may \
                     write to vhost {vhost} (rabbitmqctl set_permissions)"
                ),
                ErrorKind::NotFound if e.message.contains("vhost") => format!(
                    "create vhost {vhost} (rabbitmqctl add_vhost) or fix the URL's path"
                ),
                ErrorKind::NotFound => format!(
                    "declare queue {queue} as durable (yaml/rabbitmq/ does for the demo), or pass --queue"
                ),
                ErrorKind::Unreachable | ErrorKind::Timeout => format!(
                    "check the network: AMQP uses TCP {} (kubectl port-forward for an in-cluster broker)",
                    cfg.url.host_port()
                ),
                _ => "retry; `kedatui send -n 1 --scaler rabbitmq` shows the broker's full reason".into(),
            };
            Check::fail(names::RABBITMQ_SEND, e.message, fix)
        }
    });
    checks.push(match q.read_counts().await {
        Ok(c) => Check::pass(
            names::RABBITMQ_COUNTS,
            format!(
                "{queue}: messages {}, ready {}, unacked {}",
                c.total.unwrap_or(0),
                c.active,
                c.in_flight.unwrap_or(0)
            ),
        ),
        Err(e) => {
            let fix = match e.kind {
                ErrorKind::Unauthorized => format!(
                    "the management API refused user {user}: give it the `monitoring` tag \
                     (rabbitmqctl set_user_tags), or pass --rabbitmq-management-url with another user"
                ),
                ErrorKind::NotFound => format!("declare queue {queue} in vhost {vhost}"),
                ErrorKind::Unreachable | ErrorKind::Timeout => format!(
                    "enable the management plugin (rabbitmq-plugins enable rabbitmq_management) and check {} answers, \
                     or pass --rabbitmq-management-url",
                    cfg.management
                ),
                _ => "retry; `kedatui queue --scaler rabbitmq` shows the full reason".into(),
            };
            Check::fail(names::RABBITMQ_COUNTS, e.message, fix)
        }
    });
    checks.done
}
