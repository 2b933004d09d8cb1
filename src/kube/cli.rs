//! `kedatui doctor`, and the cluster options the console shares.

use std::process::ExitCode;

/// Which cluster and objects to watch (shared by the console and `doctor`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {}

pub fn run_doctor(_args: DoctorArgs) -> color_eyre::Result<ExitCode> {
    color_eyre::eyre::bail!("`kedatui doctor` is not built yet")
}
