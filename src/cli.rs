//! The command line. Each area owns its own argument structs; this file only assembles them.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "kedatui", version = crate::config::version::SHORT, long_version = crate::config::version::LONG, about = "A terminal console for live KEDA + Azure Service Bus demos", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,

    /// Options of the console (used when no subcommand is given).
    #[command(flatten)]
    pub console: crate::tui::ConsoleArgs,

    /// Talk profiles: the config file, and which profile of it to use.
    #[command(flatten)]
    pub setup: crate::config::SetupArgs,
}

// Parsed once at start-up: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Run the simulator headless and print the time series.
    Simulate(crate::commands::simulate::SimulateArgs),
    /// Send N messages to the queue (live Service Bus).
    Send(crate::commands::send::SendArgs),
    /// Print the queue's counts (live Service Bus management API).
    Queue(crate::commands::queue::CountsArgs),
    /// Drain the queue with a receive-and-delete loop (live Service Bus).
    Purge(crate::commands::purge::PurgeArgs),
    /// Play a recording made with `--record` through the console (keys: space, ←/→, +/-).
    Replay(crate::record::replay::ReplayArgs),
    /// Preflight checks before going on stage.
    Doctor(crate::commands::doctor::DoctorArgs),
    /// Run the lab headless: a loopback Service Bus and API server driven by the simulator's
    /// rules, with a real receiver per pod; prints how to point kedatui at it.
    Lab(crate::lab::LabArgs),
    /// The config file of talk profiles: show the effective settings, write a template, check a file.
    Config(crate::config::ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) on stdout.
    Completions(crate::config::shell::CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
}
