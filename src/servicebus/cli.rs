//! `kedatui send`, `kedatui queue`, `kedatui purge`, and the connection options the console shares.

use std::process::ExitCode;

/// Where the Service Bus connection comes from (shared by the console and the headless commands).
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceBusArgs {}

#[derive(Debug, clap::Args)]
pub struct SendArgs {}

#[derive(Debug, clap::Args)]
pub struct QueueArgs {}

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {}

pub fn run_send(_args: SendArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("`kedatui send` is not built yet")
}

pub fn run_queue(_args: QueueArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("`kedatui queue` is not built yet")
}

pub fn run_purge(_args: PurgeArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("`kedatui purge` is not built yet")
}
