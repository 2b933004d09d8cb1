use std::process::ExitCode;

use kedatui::cli::Commands;

fn main() -> ExitCode {
    install_error_hooks();
    let (cli, resolved) = kedatui::config::parse_cli();
    let result = match cli.command {
        Some(Commands::Simulate(args)) => kedatui::commands::simulate::run(args),
        Some(Commands::Send(args)) => kedatui::commands::send::run_send(args),
        Some(Commands::Queue(args)) => kedatui::commands::queue::run_queue(args),
        Some(Commands::Purge(args)) => kedatui::commands::purge::run_purge(args),
        Some(Commands::Replay(_)) if cli.console.presenter.record.is_some() => {
            eprintln!("kedatui: --record cannot record a replay; replay the recording itself");
            return ExitCode::from(kedatui::tui::BAD_INPUT);
        }
        Some(Commands::Replay(args)) => kedatui::tui::replay(args),
        Some(Commands::Doctor(args)) => kedatui::commands::doctor::run_doctor(args),
        Some(Commands::Lab(args)) => kedatui::lab::run_headless(args),
        Some(Commands::Config(args)) => kedatui::config::run(args, &resolved),
        Some(Commands::Completions(args)) => kedatui::config::shell::run_completions(args),
        Some(Commands::Man) => kedatui::config::shell::run_man(),
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

/// color-eyre's reports for errors and panics (plain text when stderr is not a terminal). The
/// console's `ratatui::try_init` wraps this panic hook later, so a panic restores the terminal
/// first and then prints the report.
fn install_error_hooks() {
    use std::io::IsTerminal;
    let hooks = if std::io::stderr().is_terminal() {
        color_eyre::config::HookBuilder::default()
    } else {
        color_eyre::config::HookBuilder::blank()
    };
    if let Err(e) = hooks.display_env_section(false).install() {
        eprintln!("kedatui: cannot install the error report hooks: {e}");
    }
}
