//! kedatui: a terminal console for live KEDA demos, with a built-in simulator.
//!
//! The model, simulator and live sources are `kedatui-core`'s, re-exported under their old
//! names (`kedatui::sim`, `kedatui::model`, ...); this crate is the console around them.

pub use kedatui_core::{crd, duration, kubectl, model};

pub mod app;
pub mod cli;
pub mod config;
pub mod event;
pub mod kube;
pub mod lab;
pub mod logging;
pub mod presenter;
pub mod record;
pub mod servicebus;
pub mod sim;
pub mod source;
pub mod terminal;
pub mod tui;
pub mod ui;
