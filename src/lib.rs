//! kedatui: a terminal console for live KEDA demos, with a built-in simulator.
//!
//! The model, simulator and live sources are `kedatui-core`'s and the Service Bus plumbing
//! `kedatui-servicebus`'s; code names them there. This crate is the console around them, in
//! layers (each imports only from those listed before it; `tests/cli/layers.rs` checks it):
//! 1. `format`, `parse`, `terminal`, `logging`: value formatting and parsing, no state;
//! 2. `args`: the flag groups several commands share;
//! 3. `event`, `presenter`: the console's messages and presenter state;
//! 4. `source`, `lab`: what feeds the App (simulator, live sources) and the lab's engine;
//! 5. `app`: the one owner of the console's state;
//! 6. `ui`, `record`: drawing, recording and replay;
//! 7. `commands`: one module per headless subcommand;
//! 8. `tui`, `cli`, `config`: the console's loop, the command line and talk profiles.

pub mod app;
pub mod args;
pub mod cli;
pub mod commands;
pub mod config;
pub mod event;
pub mod format;
pub mod lab;
pub mod logging;
pub mod parse;
pub mod presenter;
pub mod record;
pub mod source;
pub mod terminal;
pub mod tui;
pub mod ui;
