use std::process::ExitCode;

use clap::Parser;
use kedatui::cli::{Cli, Commands};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Commands::Simulate(args)) => kedatui::sim::cli::run(args),
        Some(Commands::Send(args)) => kedatui::servicebus::cli::run_send(args),
        Some(Commands::Queue(args)) => kedatui::servicebus::cli::run_queue(args),
        Some(Commands::Purge(args)) => kedatui::servicebus::cli::run_purge(args),
        Some(Commands::Replay(_)) if cli.console.presenter.record.is_some() => {
            eprintln!("kedatui: --record cannot record a replay; replay the recording itself");
            return ExitCode::from(kedatui::tui::BAD_INPUT);
        }
        Some(Commands::Replay(args)) => kedatui::tui::replay(args),
        Some(Commands::Doctor(args)) => kedatui::kube::cli::run_doctor(args),
        Some(Commands::Lab(args)) => kedatui::lab::run_headless(args),
        None => kedatui::tui::run(cli.console),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kedatui: {err:?}");
            ExitCode::FAILURE
        }
    }
}
