//! The console: terminal set-up and restore, the event loop, mode selection.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {}

pub fn run(_args: ConsoleArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("the console is not built yet")
}
