//! One module per headless subcommand (`kedatui simulate`, `send`, `queue`, `purge`, `doctor`).
//! The console itself (no subcommand, and `replay`) is `tui`'s; `lab` is `lab::run_headless`;
//! `config`, `completions` and `man` are `config`'s.

pub mod doctor;
pub mod purge;
pub mod queue;
pub mod send;
pub mod simulate;
