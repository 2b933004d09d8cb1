//! `kedatui queue`: the queue's counts from the management API.

use std::process::ExitCode;

use kedatui_core::servicebus::check_manage_rights;
use kedatui_servicebus::client::runtime;

use crate::args::servicebus::ServiceBusArgs;

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub servicebus: ServiceBusArgs,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run_queue(args: QueueArgs) -> color_eyre::Result<ExitCode> {
    let cfg = match args.servicebus.require() {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let result = runtime()?.block_on(check_manage_rights(&cfg));
    match result {
        Ok(counts) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "queue": cfg.queue,
                        "active": counts.active,
                        "dead_letter": counts.dead_letter,
                        "scheduled": counts.scheduled,
                        "total": counts.total,
                        "at": jiff::Timestamp::now().to_string(),
                    })
                );
            } else {
                let total = counts
                    .total
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "?".into());
                println!(
                    "{}: active {}  dead-letter {}  scheduled {}  total {}",
                    cfg.queue, counts.active, counts.dead_letter, counts.scheduled, total
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kedatui: {}", e.message);
            Ok(ExitCode::FAILURE)
        }
    }
}
