//! `kedatui queue`: the queue's counts, read the way its scaler reads them.

use std::process::ExitCode;

use kedatui_core::queue::{Queue, Scaler};
use kedatui_servicebus::client::runtime;

use crate::args::queue::QueueArgs;

#[derive(Debug, clap::Args)]
pub struct CountsArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run_queue(args: CountsArgs) -> color_eyre::Result<ExitCode> {
    let queue = match args.queue.require() {
        Ok(q) => q,
        Err(code) => return Ok(code),
    };
    let result = runtime()?.block_on(queue.read_counts());
    match result {
        Ok(counts) => {
            if args.json {
                println!("{}", counts_json(&queue, &counts));
            } else {
                println!("{}", counts_line(&queue, &counts));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kedatui: {}", e.message);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The JSON line: the counts under the names the broker uses.
fn counts_json(queue: &Queue, c: &kedatui_core::model::QueueCounts) -> serde_json::Value {
    let at = jiff::Timestamp::now().to_string();
    match queue.scaler() {
        Scaler::ServiceBus => serde_json::json!({
            "scaler": "servicebus",
            "queue": queue.queue(),
            "active": c.active,
            "dead_letter": c.dead_letter,
            "scheduled": c.scheduled,
            "total": c.total,
            "at": at,
        }),
        Scaler::RabbitMq => serde_json::json!({
            "scaler": "rabbitmq",
            "queue": queue.queue(),
            "messages": c.total,
            "messages_ready": c.active,
            "messages_unacknowledged": c.in_flight,
            "at": at,
        }),
    }
}

/// The line a person reads, in the broker's own words.
fn counts_line(queue: &Queue, c: &kedatui_core::model::QueueCounts) -> String {
    let or_unknown = |n: Option<u64>| n.map_or_else(|| "?".into(), |n| n.to_string());
    match queue.scaler() {
        Scaler::ServiceBus => format!(
            "{}: active {}  dead-letter {}  scheduled {}  total {}",
            queue.queue(),
            c.active,
            c.dead_letter,
            c.scheduled,
            or_unknown(c.total)
        ),
        Scaler::RabbitMq => format!(
            "{}: messages {}  ready {}  unacked {}",
            queue.queue(),
            or_unknown(c.total),
            c.active,
            or_unknown(c.in_flight)
        ),
    }
}
