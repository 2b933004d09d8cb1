//! `kedatui purge`: empty the queue (Service Bus: a receive-and-delete loop; RabbitMQ:
//! `queue.purge`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use kedatui_servicebus::EXIT_BAD_INPUT;
use kedatui_servicebus::client::runtime;

use crate::args::queue::QueueArgs;

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run_purge(args: PurgeArgs) -> color_eyre::Result<ExitCode> {
    let queue = match args.queue.require() {
        Ok(q) => q,
        Err(code) => return Ok(code),
    };
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "kedatui: refusing to purge `{}` without --yes (stdin is not a terminal)",
                queue.queue()
            );
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
        eprint!(
            "Delete every receivable message in `{}`? [y/N] ",
            queue.queue()
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("not purged");
            return Ok(ExitCode::FAILURE);
        }
    }
    let tty = std::io::stderr().is_terminal();
    let result = runtime()?.block_on(async {
        let mut progress = |removed: u64| {
            if tty {
                eprint!("\rremoved {removed}");
                let _ = std::io::stderr().flush();
            }
        };
        queue.purge(&|| false, &mut progress).await
    });
    if tty {
        eprintln!();
    }
    match result {
        Ok(n) => {
            println!("removed {n} messages from {}", queue.queue());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kedatui: {}", e.message);
            Ok(ExitCode::FAILURE)
        }
    }
}
