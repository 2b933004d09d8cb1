//! `kedatui simulate`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {}

pub fn run(_args: SimulateArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("`kedatui simulate` is not built yet")
}
