//! `kedatui purge`: drain the queue with a receive-and-delete loop.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use kedatui_core::servicebus::purge::purge;
use kedatui_servicebus::EXIT_BAD_INPUT;
use kedatui_servicebus::client::runtime;

use crate::args::servicebus::ServiceBusArgs;

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub servicebus: ServiceBusArgs,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run_purge(args: PurgeArgs) -> color_eyre::Result<ExitCode> {
    let cfg = match args.servicebus.require() {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "kedatui: refusing to purge `{}` without --yes (stdin is not a terminal)",
                cfg.queue
            );
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
        eprint!("Delete every receivable message in `{}`? [y/N] ", cfg.queue);
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
        purge(cfg.purge_connection(), &cfg.queue, &|| false, &mut progress).await
    });
    if tty {
        eprintln!();
    }
    match result {
        Ok(n) => {
            println!("removed {n} messages from {}", cfg.queue);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kedatui: {}", e.message);
            Ok(ExitCode::FAILURE)
        }
    }
}
